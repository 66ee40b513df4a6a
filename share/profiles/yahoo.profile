# Yahoo Inc.: Yahoo Mail and AOL: preflight-profiles(5).  Replies:
# providers.md §2.3 (sisimai's YahooInc table, the Yahoo sender error-code
# page, ZoneMTA's bounce rules), limits §3.2, requirements §3.4.
Name yahoo
Description "Yahoo Mail and AOL (Yahoo Inc.)"
Domains yahoo.com ymail.com rocketmail.com aol.com aim.com
# Yahoo country domains served by Yahoo Inc. (not yahoo.co.jp, which is
# LY Corporation's own service); the MX lookup catches the others.
Domains yahoo.co.uk yahoo.fr yahoo.de yahoo.it yahoo.es yahoo.ca yahoo.com.au
Domains yahoo.com.br yahoo.com.mx yahoo.in yahoo.co.in yahoo.ie yahoo.se
Domains aol.co.uk aol.fr aol.de
# mta5.am0.yahoodns.net, mx-aol.mail.gm0.yahoodns.net
MX *.yahoodns.net
SizeLimit 25M
# Bulk sender: Yahoo applies its bulk-sender rules from about the same volume as Gmail
# (providers.md 3.4: both announced them together for February 2024).
BulkThreshold 5000/1d

# ---- authentication
Reply 550 5.7.9 authfailure
Text "This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM."
Match "sender is unauthenticated.*Yahoo requires"
Cause "Neither SPF nor DKIM passes for the message."
Remedy "Publish SPF that covers the egress IP, and DKIM-sign every message."
Doc https://senders.yahooinc.com/best-practices/
Findings auth-unauthenticated

Reply 554 5.7.9 policyviolation
Text "Message not accepted for policy reasons. See https://postmaster.yahooinc.com/error-codes"
Match "5\.7\.9 Message not accepted for policy reasons|Message not accepted for policy reasons\. See"
Cause "A policy or content rule: for bulk senders also missing SPF and DKIM, DMARC or alignment, and malformed messages."
Remedy "Check the message against Yahoo's sender requirements: authentication, RFC 5322 format, content."
Doc https://senders.yahooinc.com/smtp-error-codes/
Findings auth-bulk-spf-and-dkim auth-bulk-unaligned auth-dmarc-reject
Findings format-from-count format-date-count format-duplicate-header format-header-malformed
Findings format-date-skew format-encoded-word-invalid

Reply 554 - policyviolation
Text "Message not allowed - [PH01] Email not accepted for policy reasons"
Match "\[PH01\]"
Cause "A content block: viruses, phishing, ransomware, or links to any of them."
Remedy "Remove the dangerous content and the links that look like phishing (text that shows one domain and links to another)."
Doc https://senders.yahooinc.com/smtp-error-codes/
Findings html-link-mismatch

Reply 554 5.7.5 authfailure
Text "Permanent Error evaluating DMARC policy (AU01)"
Match "\(AU01\)|\[AU01\]"
Cause "An invalid DKIM signature."
Remedy "Fix the signing: the key in DNS must match the private key, and the signature must cover the headers as sent."
Doc https://senders.yahooinc.com/smtp-error-codes/

Reply 554 - authfailure
Text "DMARC: Message rejected due to the sending domain's DMARC policy"
Match "DMARC:"
Cause "DMARC fails under the From domain's policy (AOL's older wording)."
Remedy "Align SPF or DKIM with the From domain."
Doc https://senders.yahooinc.com/smtp-error-codes/

Reply 451 - rejected
Text "Message temporarily deferred due to unresolvable RFC.5321 from domain"
Match "unresolvable RFC\.?5321 from domain"
Cause "The MAIL FROM or From domain does not answer an SOA query (Yahoo checks that the domain exists); 554 is the permanent form."
Remedy "Make sure the domain, and any subdomain used in MAIL FROM, exists in DNS and answers SOA."
Doc https://senders.yahooinc.com/smtp-error-codes/
Findings auth-from-domain-missing

# ---- reputation
Reply 421 4.7.0 badreputation
Text "[TSS04] Messages from [IP] temporarily deferred due to unexpected volume or user complaints - 4.16.55.1"
Match "\[TSS04\]"
Cause "Volume, complaints or poor reputation; also given to unauthenticated or poorly reputed domains."
Remedy "Send less, to engaged recipients; lower the complaint rate."
Doc https://senders.yahooinc.com/smtp-error-codes/

Reply 553 5.7.2 blocked
Text "[TSS09] All messages from [IP] will be permanently deferred; Retrying will NOT succeed."
Match "\[TSS(09|11)\]"
Cause "A permanent block of the sending IP for its reputation (TSS11 is the same)."
Remedy "Stop sending from the IP and contact Yahoo's sender support."
Doc https://senders.yahooinc.com/smtp-error-codes/

Reply 553 5.7.1 blocked
Text "[BL21] Connections will not be accepted from [IP], because the ip is in Spamhaus's list; see http://postmaster.yahoo.com/550-bl23.html"
Match "\[BL2[13]\]|Spamhaus XBL"
Cause "The sending IP is listed by Spamhaus (BL23: the XBL)."
Remedy "Look the IP up and request delisting at spamhaus.org/query, after removing the cause."
Doc https://www.spamhaus.org/query/

# ---- size (Yahoo publishes no text of its own: the RFC 3463 one)
Reply 552 5.3.4 mesgtoobig
Text "Message size exceeds fixed maximum message size"
Match "exceeds fixed maximum message size|message too (big|large)"
Cause "The message is larger than Yahoo accepts (25 MB)."
Remedy "Share large files as links; the limit applies to the encoded message."
Findings size-over-limit
