-- from2.lua - a message with two From: headers.  MT_EXPECT says what the
-- running configuration must do with it: hold (default), reject, observe
-- or accept (recipients skipped).  MT_QID and MT_RCPT (comma-separated)
-- set the envelope.
local pf = dofile(os.getenv("MT_DIR") .. "/common.lua")
local expect = os.getenv("MT_EXPECT") or "hold"

local conn = pf.connect()
local rcpts = {}
for r in string.gmatch(os.getenv("MT_RCPT") or "bob@remote.test", "[^,]+") do
	table.insert(rcpts, r)
end
pf.envelope(conn, { qid = os.getenv("MT_QID") or "QFROM2", rcpt = rcpts })
local reply = pf.message(conn, pf.headers({ { "From", "Mallory <mallory@example.test>" } }))
local tag = mt.getheader(conn, "X-Preflight", 0) or mt.getheader(conn, "X-Preflight", 1)
print("REPLY: " .. tostring(reply) .. " TAG: " .. tostring(tag))

if expect == "hold" then
	pf.check(pf.accepted(reply), "hold: eom continues")
	pf.check(mt.eom_check(conn, MT_QUARANTINE, "preflight: format-from-count"),
	    "quarantined, reason 'preflight: format-from-count'")
	pf.check(tag ~= nil and tag:find("^hold score=10 findings=format%-from%-count"),
	    "X-Preflight: hold score=10 findings=format-from-count")
elseif expect == "reject" then
	pf.check(reply == SMFIR_REPLYCODE, "reject: eom answers with a reply code")
	-- eom_check compares the whole reply; the multi-line text depends on
	-- the catalogue, so check that it is not the one-line fallback.
	pf.check(not mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
	    "Preflight: this message would be refused by remote receivers"),
	    "multi-line reply, not the short fallback")
	pf.check(not mt.eom_check(conn, MT_QUARANTINE), "not quarantined")
elseif expect == "observe" then
	pf.check(pf.accepted(reply), "observe: eom continues")
	pf.check(not mt.eom_check(conn, MT_QUARANTINE), "not quarantined")
	pf.check(tag ~= nil and tag:find("^observe would=hold score=10 findings=format%-from%-count"),
	    "X-Preflight: observe would=hold ...")
elseif expect == "accept" then
	pf.check(pf.accepted(reply), "accept: eom continues")
	pf.check(not mt.eom_check(conn, MT_QUARANTINE), "not quarantined")
	pf.check(not mt.eom_check(conn, MT_HDRADD), "no header added")
else
	error("unknown MT_EXPECT " .. expect)
end
mt.disconnect(conn)
pf.done()
