# generic: every recipient that no other profile claims (no Domains, no MX):
# preflight-profiles(5).  Replies: the RFC 3463 texts many MTAs use, the
# Spamhaus replies of Postfix's defaults (providers.md §2.5) and the
# gateway vendors' replies (§2.6, Mimecast, Proofpoint, Barracuda).
Name generic
Description "Any other receiver: RFC replies and the usual gateway replies"
# No SizeLimit: DefaultSizeLimit applies.
# Kept conservative: the types that both Gmail blocks (support.google.com/
# mail/answer/6590) and rspamd's default mime_types bad_extensions list
# (providers.md §1.2: rspamd lacks 12 of Gmail's 54), without the
# container formats cab, iso and vhd that gateways tend to unpack and scan
# rather than refuse.  Executables and scripts that Windows runs on a click.
BlockedTypes ade adp bat chm cmd com cpl diagcab dll exe hta ins isp jar jnlp
BlockedTypes js jse lib lnk mde msc msi msp mst nsh pif ps1 scr sct shb sys
BlockedTypes vb vbe vbs vxd wsc wsf wsh xll

# ---- size
Reply 552 5.3.4 mesgtoobig
Text "Message size exceeds fixed maximum message size"
Match "exceeds fixed maximum message size|message too (big|large)"
Cause "The message is larger than the receiving server accepts (RFC 3463 5.3.4)."
Remedy "Share large files as links; the limit applies to the encoded message (base64 adds about 33-37%)."
Doc https://www.rfc-editor.org/rfc/rfc3463
Findings size-over-limit

Reply 552 5.3.4 mesgtoobig
Text "message size [n] exceeds size limit [limit] of server [host]"
Match "exceeds size limit .* of server"
Cause "The receiving server announced a smaller SIZE in EHLO; the relay (Postfix's SMTP client) did not send the message."
Remedy "Share large files as links, or send to this destination within its announced SIZE."
Doc https://www.postfix.org/postconf.5.html#message_size_limit

Reply 554 - mesgtoobig
Text "Maximum email size exceeded"
Match "Maximum email size exceeded"
Cause "Mimecast refuses the message for its size (100 MB on the Legacy MTA, 200 MB on the Latest MTA, or the customer's lower policy)."
Remedy "Share large files as links."

# ---- sender domain
Reply 550 5.1.8 rejected
Text "<[address]>: Sender address rejected: Domain not found"
Match "Sender address rejected: Domain not found"
Cause "The MAIL FROM domain does not exist in DNS (Postfix reject_unknown_sender_domain)."
Remedy "Send from a domain that exists in DNS, with an MX or A record."
Doc https://www.postfix.org/postconf.5.html#reject_unknown_sender_domain
Findings auth-from-domain-missing

# ---- blocklists
Reply 554 5.7.1 blocked
Text "Service unavailable; Client host [IP] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/[IP]"
Match "blocked using (zen|sbl|xbl|pbl|sbl-xbl)\.spamhaus\.org|rejected using zen\.spamhaus\.org|blocked using Spamhaus"
Cause "The sending IP is listed by Spamhaus (Postfix's default RBL reply)."
Remedy "Look the IP up and request delisting at spamhaus.org/query, after removing the cause (compromised accounts, outbound spam)."
Doc https://www.spamhaus.org/query/

Reply 554 5.7.1 spamdetected
Text "Service unavailable; Sender address [address] blocked using dbl.spamhaus.org"
Match "dbl\.spamhaus\.org"
Cause "A domain of the message (sender or a URL) is on the Spamhaus DBL."
Remedy "Remove the listed domain or URL from the message, and request delisting."
Doc https://www.spamhaus.org/query/

Reply 554 - blocked
Text "Service unavailable; Client host [IP] blocked using Barracuda Reputation; http://bbl.barracudacentral.com/q.cgi?ip=[IP]"
Match "Barracuda Reputation|barracudacentral"
Cause "The IP is on the Barracuda Reputation Block List; some appliances also score IPs from Received: lines, so it may be the submitting client's."
Remedy "Request removal at barracudacentral.org after fixing the cause."
Doc https://www.barracudacentral.org/lookups

Reply 550 - blocked
Text "permanent failure for one or more recipients (addr:blocked)"
Match "\(\S*:blocked\)"
Cause "Barracuda Email Security Service blocked the message, possibly by a local policy although the IP is not publicly listed."
Remedy "Ask the recipient's administrator to check their policy for the sender."

Reply 550 5.7.0 blocked
Text "Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip=[IP]"
Match "proofpoint\.com/dnsbl-lookup"
Cause "Proofpoint Dynamic Reputation blocks the sending IP; the blocks change over time."
Remedy "Request delisting through the link in the reply (or postmaster@proofpoint.com)."
Doc https://support.proofpoint.com/dnsbl-lookup.cgi

# ---- Mimecast (community.mimecast.com "Mimecast SMTP Error Codes")
Reply 550 - badreputation
Text "csi.mimecast.org Poor Reputation Sender."
Match "csi\.mimecast\.org|Local CT IP Reputation"
Cause "Mimecast rates the sending IP's reputation as poor."
Remedy "Request a review from Mimecast and fix the cause."

Reply 550 - authfailure
Text "SPF Sender Invalid - envelope rejected"
Match "SPF Sender Invalid"
Cause "SPF fails for the MAIL FROM domain."
Remedy "Add the egress IP to the SPF record of the MAIL FROM domain."
Findings auth-spf-fail

Reply 550 - authfailure
Text "DKIM Sender Invalid - envelope rejected"
Match "DKIM Sender Invalid"
Cause "The DKIM signature is broken: the key in DNS does not match the signing key, or the message changed."
Remedy "Publish the public key of the key that signs, and sign after the last change to the message."
Findings auth-dkim-key-mismatch

Reply 550 - authfailure
Text "DMARC Sender Invalid - envelope rejected"
Match "DMARC Sender Invalid"
Cause "DMARC fails under the From domain's reject policy."
Remedy "Align SPF or DKIM with the From domain."
Findings auth-dmarc-reject

Reply 554 - securityerror
Text "Email rejected due to security policies"
Match "rejected due to security policies"
Cause "The gateway's security policy refuses the content: a blocked attachment type or a virus."
Remedy "Remove the attachment or share it as a link."
Findings attach-blocked-type
