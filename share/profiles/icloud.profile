# Apple iCloud Mail: preflight-profiles(5).  Replies: providers.md §2.4
# (sisimai's Apple table), limits §3.2, bulk requirements §3.4 (Apple's
# postmaster page: "All requirements must be met in order to send a bulk
# email. If not, the email will be rejected").
Name icloud
Description "Apple iCloud Mail"
Domains icloud.com me.com mac.com
# mx01.mail.icloud.com ... mx06.mail.icloud.com
MX *.mail.icloud.com
# 20 MB per message (Mail Drop links up to 5 GB)
SizeLimit 20M

Reply 554 5.7.1 authfailure
Text "[HME1] This message was blocked for failing both SPF and DKIM authentication checks."
Match "failing both SPF and DKIM"
Cause "Neither SPF nor DKIM passes for the message."
Remedy "Publish SPF that covers the egress IP, and DKIM-sign every message."
Doc https://support.apple.com/en-us/102322
Findings auth-unauthenticated

Reply 554 5.7.1 authfailure
Text "Your message was rejected due to [domain]'s DMARC policy."
Match "rejected due to .*'s DMARC policy"
Cause "DMARC fails under the From domain's policy (iCloud honors the sender's policy)."
Remedy "Align SPF (MAIL FROM domain) or DKIM (d=) with the From domain."
Doc https://support.apple.com/en-us/102322
Findings auth-dmarc-reject

Reply 550 5.7.1 policyviolation
Text "[CS01] Message rejected due to local policy."
Match "\[CS01\]|Message rejected due to local policy"
Cause "A policy or content rule; bulk mail that misses a requirement (SPF and DKIM, DMARC, unsubscribe link) is rejected."
Remedy "Meet every bulk requirement on Apple's postmaster page: opt-in, SPF and DKIM, DMARC, an unsubscribe link, RFC 5321/5322."
Doc https://support.apple.com/en-us/102322
Findings auth-bulk-spf-and-dkim

Reply 550 5.7.0 blocked
Text "Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip=[IP]"
Match "proofpoint\.com/dnsbl-lookup"
Cause "Proofpoint's reputation service, which filters iCloud's inbound mail, blocks the sending IP."
Remedy "Request delisting through the link in the reply (or postmaster@proofpoint.com)."
Doc https://support.proofpoint.com/dnsbl-lookup.cgi

Reply 550 5.7.1 blocked
Text "Mail from IP [IP] was rejected due to listing in Spamhaus SBL."
Match "listing in Spamhaus|domain present in the Spamhaus DBL"
Cause "The sending IP (SBL) or a domain in the message (DBL) is listed by Spamhaus."
Remedy "Look it up and request delisting at spamhaus.org/query, after removing the cause."
Doc https://www.spamhaus.org/query/

Reply 421 4.7.1 speeding
Text "Messages to [rcpt] deferred due to excessive volume."
Match "deferred due to excessive volume"
Cause "Too much mail to the recipient in a short time."
Remedy "Pace the sending."
Doc https://support.apple.com/en-us/102322

# iCloud publishes no size text of its own: the RFC 3463 one
Reply 552 5.3.4 mesgtoobig
Text "Message size exceeds fixed maximum message size"
Match "exceeds fixed maximum message size|message too (big|large)"
Cause "The message is larger than iCloud accepts (20 MB)."
Remedy "Share large files as links (Mail Drop); the limit applies to the encoded message."
Findings size-over-limit
