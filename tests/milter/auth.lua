-- auth.lua - an authenticated sender from outside is checked; the next
-- message on the same connection without AUTH is not.
local pf = dofile(os.getenv("MT_DIR") .. "/common.lua")

local conn = pf.connect({ daemon = "inbound-25", ip = "192.0.2.1" })
pf.check(pf.envelope(conn, { qid = "QAUTH", auth = "alice" }) == SMFIR_CONTINUE,
    "{auth_authen} set: MAIL FROM continues")
local hdrs = {}
for _, h in ipairs(pf.headers()) do
	if h[1] ~= "Date" then
		table.insert(hdrs, h)
	end
end
local reply = pf.message(conn, hdrs)
pf.check(pf.accepted(reply), "message without Date is accepted (tag)")
local tag = mt.getheader(conn, "X-Preflight", 0) or mt.getheader(conn, "X-Preflight", 1)
print("TAG: " .. tostring(tag))
pf.check(tag ~= nil and tag:find("^tag score=%d") and tag:find("format%-date%-missing"),
    "X-Preflight: tag ... findings=format-date-missing")
pf.check(not mt.eom_check(conn, MT_QUARANTINE), "not quarantined")

pf.check(pf.envelope(conn, { qid = "QNOAUTH" }) == SMFIR_ACCEPT,
    "second message without AUTH: accepted at MAIL FROM")
mt.disconnect(conn)
pf.done()
