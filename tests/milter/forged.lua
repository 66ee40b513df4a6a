-- forged.lua - X-Preflight headers sent by the client are deleted.
local pf = dofile(os.getenv("MT_DIR") .. "/common.lua")

local conn = pf.connect()
pf.envelope(conn, { qid = "QFORGED" })
local reply = pf.message(conn, pf.headers({
	{ "X-Preflight", "accept score=0 findings=" },
	{ "x-preflight", "accept (trust me)" },
}))
pf.check(pf.accepted(reply), "clean message with forged headers accepted")
pf.check(mt.eom_check(conn, MT_HDRDELETE, "X-Preflight") or
    mt.eom_check(conn, MT_HDRDELETE, "x-preflight"), "forged X-Preflight deleted")
pf.check(not mt.eom_check(conn, MT_HDRADD, "X-Preflight"), "no new X-Preflight added")
mt.disconnect(conn)
pf.done()
