-- burst.lua - MT_COUNT messages from the authenticated user MT_USER, one
-- recipient each (MT_RCPT, default bob@remote.test), over one connection.
-- Every message but the last must go through unheld; the last must be
-- held (MT_LAST=hold, with MT_REASON, default rate-user-burst, as the
-- quarantine reason) or go through (MT_LAST=accept).
local pf = dofile(os.getenv("MT_DIR") .. "/common.lua")
local count = tonumber(os.getenv("MT_COUNT") or "1")
local user = os.getenv("MT_USER") or "alice"
local last = os.getenv("MT_LAST") or "accept"
local rcpt = os.getenv("MT_RCPT") or "bob@remote.test"
local reason = os.getenv("MT_REASON") or "rate-user-burst"

local conn = pf.connect()
for i = 1, count do
	pf.envelope(conn, { qid = "QRATE" .. i, auth = user, from = user .. "@example.test",
	    rcpt = rcpt })
	local reply = pf.message(conn, pf.headers())
	local held = mt.eom_check(conn, MT_QUARANTINE)
	pf.check(pf.accepted(reply), "message " .. i .. " of " .. count .. ": eom continues")
	if i < count or last == "accept" then
		pf.check(not held, "message " .. i .. " of " .. count .. ": not held")
	else
		pf.check(mt.eom_check(conn, MT_QUARANTINE, "preflight: " .. reason),
		    "message " .. i .. " of " .. count .. ": held for " .. reason)
	end
end
mt.disconnect(conn)
pf.done()
