-- report.lua - one message through preflight-milter for cli/test-report.sh.
-- MT_KIND: clean (accepted), from2 (two From: headers: held), nodate (no
-- Date: header: tagged).  MT_FROM is the envelope sender, MT_RCPT the
-- recipients (comma-separated), MT_QID the queue id.  Prints PASS:/FAIL:
-- lines (tests/milter/common.lua).
local pf = dofile(os.getenv("MT_DIR") .. "/common.lua")
local kind = os.getenv("MT_KIND") or "clean"

local rcpts = {}
for r in string.gmatch(os.getenv("MT_RCPT") or "bob@remote.test", "[^,]+") do
	table.insert(rcpts, r)
end
local headers = {}
for _, h in ipairs(pf.headers(kind == "from2" and { { "From", "Mallory <mallory@example.test>" } } or {})) do
	if not (kind == "nodate" and h[1] == "Date") then
		table.insert(headers, h)
	end
end

local conn = pf.connect()
local mreply = pf.envelope(conn, { qid = os.getenv("MT_QID") or "QREPORT",
	from = os.getenv("MT_FROM"), rcpt = rcpts })
pf.check(mreply == SMFIR_CONTINUE, kind .. ": MAIL FROM continues")
local reply = pf.message(conn, headers)
pf.check(pf.accepted(reply), kind .. ": eom continues")
local quarantined = mt.eom_check(conn, MT_QUARANTINE)
pf.check((kind == "from2") == quarantined, kind .. ": quarantined only when held")
mt.disconnect(conn)
pf.done()
