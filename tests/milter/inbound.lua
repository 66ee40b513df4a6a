-- inbound.lua - mail that is not outbound is accepted at MAIL FROM.
local pf = dofile(os.getenv("MT_DIR") .. "/common.lua")

local conn = pf.connect({ daemon = "inbound-25", ip = "192.0.2.1" })
pf.check(pf.envelope(conn, { qid = "QINBOUND" }) == SMFIR_ACCEPT,
    "other daemon, no auth, outside InternalHosts: accepted at MAIL FROM")
mt.disconnect(conn)

-- An InternalHosts client is outbound whatever the daemon name.
conn = pf.connect({ daemon = "inbound-25", ip = "127.0.0.1", host = "localhost" })
pf.check(pf.envelope(conn, { qid = "QINTERNAL" }) == SMFIR_CONTINUE,
    "client in InternalHosts: MAIL FROM continues")
pf.check(pf.accepted(pf.message(conn, pf.headers())), "its clean message is accepted")
mt.disconnect(conn)
pf.done()
