-- clean.lua - a clean outbound message goes through untouched; also
-- reports what the milter negotiated.
local pf = dofile(os.getenv("MT_DIR") .. "/common.lua")

local conn = pf.connect()
local names = {
	"NOUNKNOWN", "NODATA", "NR_CONN", "NR_HELO", "NR_RCPT", "NR_HDR", "NR_BODY", "NR_EOH",
	"NOCONNECT", "NOHELO", "NOMAIL", "NORCPT", "NOHDRS", "NOBODY", "NOEOH",
}
local got = {}
for _, n in ipairs(names) do
	if mt.test_option(conn, _G["SMFIP_" .. n]) then
		table.insert(got, n)
	end
end
print("NEGOTIATED: steps " .. table.concat(got, " "))
pf.check(mt.test_option(conn, SMFIP_NR_CONN) and mt.test_option(conn, SMFIP_NR_RCPT),
    "no reply at connect or per recipient (SMFIP_NR_CONN, SMFIP_NR_RCPT)")
pf.check(mt.test_option(conn, SMFIP_NR_HDR), "no reply per header (SMFIP_NR_HDR)")
pf.check(mt.test_option(conn, SMFIP_NR_BODY), "no reply per body chunk (SMFIP_NR_BODY)")
pf.check(not mt.test_option(conn, SMFIP_NOHDRS) and not mt.test_option(conn, SMFIP_NOBODY),
    "headers and body are still sent")
pf.check(mt.test_action(conn, SMFIF_ADDHDRS) and mt.test_action(conn, SMFIF_CHGHDRS) and
    mt.test_action(conn, SMFIF_QUARANTINE), "actions ADDHDRS CHGHDRS QUARANTINE")
pf.check(not mt.test_action(conn, SMFIF_CHGBODY) and not mt.test_action(conn, SMFIF_ADDRCPT),
    "no body or recipient changes requested")

pf.check(pf.envelope(conn, { qid = "QCLEAN" }) == SMFIR_CONTINUE, "outbound: MAIL FROM continues")
local reply = pf.message(conn, pf.headers())
pf.check(pf.accepted(reply), "clean message accepted at eom")
pf.check(not mt.eom_check(conn, MT_HDRADD, "X-Preflight"), "no X-Preflight header added")
pf.check(not mt.eom_check(conn, MT_QUARANTINE), "not quarantined")
pf.check(not mt.eom_check(conn, MT_HDRDELETE), "no header deleted")
mt.disconnect(conn)
pf.done()
