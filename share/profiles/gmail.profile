# Gmail and Google Workspace: preflight-profiles(5).
# Replies: the Gmail SMTP errors page (support.google.com/a/answer/3726730,
# snapshot 2025-08-02) unless an entry's Doc names another source; Gmail
# writes "550-5.7.26 ..." on every line of a multi-line reply and ends it
# with "- gsmtp".  Facts and sources: providers.md §2.1, §3.1-§3.4.
Name gmail
Description "Gmail and Google Workspace (any domain whose MX is Google's)"
Domains gmail.com googlemail.com
# Google-hosted MX: aspmx.l.google.com, gmail-smtp-in.l.google.com,
# alt1.aspmx.l.google.com, aspmx2.googlemail.com, smtp.google.com
MX *.google.com *.googlemail.com smtp.google.com
# Receiving limit 50 MB per message (support.google.com/mail/answer/6584);
# 25 MB is the sending limit, kept as the conservative figure: a Workspace
# receiver's admin may lower the limit, and the prediction errs on holding.
SizeLimit 25M
# Bulk sender: 5,000 or more a day to personal Gmail accounts, counted per From primary
# domain; once a bulk sender, always one (providers.md 3.4, FAQ 14229414).
BulkThreshold 5000/1d
# support.google.com/mail/answer/6590: also compressed (.gz, .bz2) and
# inside archives (.zip, .tgz)
BlockedTypes ade adp apk appx appxbundle bat cab chm cmd com cpl diagcab
BlockedTypes diagcfg diagpkg dll dmg ex ex_ exe hta img ins iso isp jar jnlp
BlockedTypes js jse lib lnk mde mjs msc msi msix msixbundle msp mst nsh pif
BlockedTypes ps1 scr sct shb sys vb vbe vbs vhd vxd wsc wsf wsh xll

# ---- authentication (2024 sender requirements, support.google.com/mail/answer/81126)
Reply 550 5.7.26 authfailure
Text "This email has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM. Authentication results: DKIM = did not pass SPF [dom] with ip: [ip] = did not pass"
Match "sender is unauthenticated.*Gmail requires all senders to authenticate"
Cause "Neither SPF nor DKIM passes for the message."
Remedy "Publish an SPF record that covers the egress IP, and DKIM-sign every message (key of 1024 bits or more, 2048 recommended)."
Doc https://support.google.com/mail/answer/81126#authentication
Findings auth-unauthenticated auth-spf-fail auth-spf-none auth-dkim-none auth-dkim-fail
Findings auth-dkim-key-missing auth-dkim-key-mismatch

Reply 550 5.7.26 authfailure
Text "The MAIL FROM domain [d] has an SPF record with a hard fail policy (-all) but it fails to pass SPF checks with the ip: [ip]"
Match "has an SPF record with a hard fail policy"
Cause "SPF fails with -all for the MAIL FROM domain: the egress IP is not in its SPF record."
Remedy "Add the egress IP to the SPF record, or relay through a host the record authorizes."
Doc https://support.google.com/a/answer/3726730
Findings auth-spf-fail

Reply 550 5.7.26 authfailure
Text "Unauthenticated email from [d] is not accepted due to domain's DMARC policy. Please contact the administrator of [d] domain if this was a legitimate mail."
Match "is not accepted due to domain's DMARC policy"
Cause "DMARC fails under the From domain's policy: neither SPF nor DKIM passes aligned with From."
Remedy "Align SPF (MAIL FROM domain) or DKIM (d=) with the From domain."
Doc https://support.google.com/mail/answer/81126#authentication
Findings auth-dmarc-reject

Reply 550 5.7.1 authfailure
Text "This message does not have authentication information or fails to pass authentication checks (SPF or DKIM)."
Match "does not have authentication information or fails to pass authentication checks"
Cause "Neither SPF nor DKIM passes (the older wording of 5.7.26)."
Remedy "Publish SPF that covers the egress IP and DKIM-sign every message."
Doc https://support.google.com/mail/answer/81126#authentication
Findings auth-unauthenticated

Reply 550 5.7.27 authfailure
Text "The sender didn't pass SPF authentication. Gmail requires bulk email senders to authenticate their email with SPF."
Match "pass SPF authentication.*bulk email senders"
Cause "A bulk sender (5,000 or more messages a day to Gmail) whose mail does not pass SPF; 421 4.7.27 is the temporary form."
Remedy "Cover every egress IP in the SPF record of the MAIL FROM domain."
Doc https://support.google.com/mail/answer/81126#requirements-5k
Findings auth-bulk-spf-and-dkim

Reply 550 5.7.30 authfailure
Text "The sender didn't pass DKIM authentication. Gmail requires bulk email senders to authenticate their email with DKIM."
Match "pass DKIM authentication.*bulk email senders"
Cause "A bulk sender whose mail does not pass DKIM; 421 4.7.30 is the temporary form."
Remedy "DKIM-sign every message with a key published in DNS."
Doc https://support.google.com/mail/answer/81126#requirements-5k
Findings auth-bulk-spf-and-dkim

Reply 550 5.7.40 authfailure
Text "The sending domain [d] doesn't have a DMARC record or the DMARC record doesn't specify a DMARC policy. Gmail requires bulk email senders to have a DMARC policy."
Match "doesn't have a DMARC record or the DMARC record doesn't specify"
Cause "A bulk sender whose From domain publishes no DMARC policy; 421 4.7.40 is the temporary form."
Remedy "Publish a DMARC record: v=DMARC1; p=none (or stricter)."
Doc https://support.google.com/mail/answer/81126#requirements-5k
Findings auth-bulk-dmarc-missing

Reply 421 4.7.32 authfailure
Text "The From: header (RFC5322) in this message isn't aligned with either the authenticated SPF or DKIM organizational domain."
Match "isn't aligned with either the authenticated SPF or DKIM"
Cause "A bulk sender whose From domain aligns with neither the SPF nor the DKIM domain (Gmail also writes it as 421 5.7.32)."
Remedy "Use a MAIL FROM domain or a DKIM d= in the From domain's organizational domain."
Doc https://support.google.com/mail/answer/81126#requirements-5k
Findings auth-bulk-unaligned

Reply 550 5.7.29 failedstarttls
Text "This message wasn't sent over a TLS connection. Gmail requires all bulk email senders to use TLS/SSL for SMTP connections."
Match "wasn't sent over a TLS connection"
Cause "The relay sent without TLS; 421 4.7.29 is the temporary form."
Remedy "Enable STARTTLS on the relay's SMTP client (Postfix: smtp_tls_security_level = may)."
Doc https://support.google.com/a/answer/3726730

Reply 550 5.7.24 authfailure
Text "The SPF record of the sending domain has one or more suspicious entries."
Match "SPF record of the sending domain has one or more suspicious entries"
Cause "The SPF record holds risky mechanisms, such as overly broad address ranges; 451 4.7.24 is the temporary form."
Remedy "Clean up the SPF record: list only the hosts that send for the domain."
Doc https://support.google.com/a/answer/3726730
Findings auth-spf-record-quality

Reply 550 5.7.25 requireptr
Text "The IP address sending this message does not have a PTR record setup, or the corresponding forward DNS entry does not point to the sending IP. As a policy, Gmail does not accept messages from IPs with missing PTR records."
Match "PTR record"
Cause "The egress IP has no forward-confirmed reverse DNS (451/421 4.7.23 is the temporary form)."
Remedy "Publish a PTR record for the egress IP whose name resolves back to the same IP, for IPv4 and IPv6."
Doc https://support.google.com/a/answer/3726730

Reply 550 5.7.1 requireptr
Text "This message does not meet IPv6 sending guidelines regarding PTR records and authentication."
Match "IPv6 sending guidelines"
Cause "Mail over IPv6 without a PTR record or without SPF/DKIM authentication."
Remedy "Fix the IPv6 PTR record and authentication, or send over IPv4."
Doc https://support.google.com/a/answer/3726730

Reply 550 5.7.1 badreputation
Text "This message is likely suspicious due to the very low reputation of the sending IP address."
Match "very low reputation of the sending"
Cause "The reputation of the sending IP or domain is very low (421 4.7.0 is the temporary form)."
Remedy "Reduce complaints, warm up new IPs slowly, and watch Postmaster Tools."
Doc https://support.google.com/a/answer/3726730

Reply 550 5.7.1 spamdetected
Text "This message is likely unsolicited email. To reduce the amount of spam sent to Gmail, this message has been blocked."
Match "likely unsolicited (mail|email)"
Cause "Gmail classified the content as spam."
Remedy "Review the content and the list: confirmed opt-in, no misleading links or hidden text."
Doc https://support.google.com/a/answer/3726730
Findings html-no-text-alternative html-image-heavy html-hidden-text text-display-name-impersonation

Reply 550 5.7.28 blocked
Text "There is an unusual rate of unsolicited email originating from your IP address. To protect our users from spam, mail sent from your IP address has been blocked."
Match "unusual rate of unsolicited (mail|email)"
Cause "The volume or spam rate from the IP is too high."
Remedy "Throttle sending and remove recipients who did not ask for the mail."
Doc https://support.google.com/a/answer/3726730

Reply 421 4.7.28 speeding
Text "Gmail has detected an unusual rate of email originating from your IP address. To protect our users from spam, mail sent from your IP address has been rate limited."
Match "4\.7\.28|exceeded the quota for sending messages that have the same Message-ID"
Cause "A rate limit per IP, netblock, DKIM or SPF domain, or URL domain; also too many messages with one Message-ID."
Remedy "Pace the sending per destination; give every message its own Message-ID."
Doc https://support.google.com/a/answer/3726730

# ---- content, attachments (support.google.com/mail/answer/6590)
Reply 552 5.7.0 securityerror
Text "This message was blocked because its content presents a potential security issue. To review our message content and attachment content guidelines, go to https://support.google.com/mail/?p=BlockedMessage"
Match "content presents a potential security issue|p=BlockedMessage"
Cause "A blocked attachment type (also compressed or inside an archive), a document with malicious macros, or a password-protected archive that holds an archive."
Remedy "Remove the file or share it as a link; zipping or renaming does not help."
Doc https://support.google.com/mail/answer/6590
Findings attach-blocked-type attach-office-macro

# ---- size and headers (support.google.com/mail/answer/6584, a/answer/14016360)
Reply 552 5.3.4 mesgtoobig
Text "Your message exceeded Google's message size limits. To view our message size guidelines, go to https://support.google.com/mail/?p=MaxSizeError"
Match "exceeded Google's message size limits"
Cause "The message is larger than Gmail accepts (the limit applies to the encoded message)."
Remedy "Share large files as links; base64 adds about 33-37%, so 25 MB leaves about 18 MB of attachments."
Doc https://support.google.com/mail/answer/6584
Findings size-over-limit

Reply 552 5.2.3 mesgtoobig
Text "Your message exceeded Google's message size limits."
Match "5\.2\.3.*Google's message size limits"
Cause "The message is too large (the older status of the size reply)."
Remedy "Share large files as links instead of attaching them."
Doc https://support.google.com/mail/answer/6584

Reply 552 5.3.4 exceedlimit
Text "The number of attachments ([n]) exceeds Google's limit of [limit] attachments."
Match "number of attachments .* exceeds Google's limit"
Cause "Too many attachments in one message."
Remedy "Send fewer attachments per message, or one archive or link."
Doc https://support.google.com/mail/answer/6584

Reply 552 5.3.4 exceedlimit
Text "Your message exceeded Google's message header size limits."
Match "header size limits|per individual header size|header name limit|header that exceeds"
Cause "The header section, one header or the Message-ID is over Gmail's limits: 500 KB of headers, 5,000 headers, 32 KB per header value (To, Cc and References exempt), 500 characters of Message-ID."
Remedy "Shrink the headers: drop repeated custom headers and keep content out of them."
Doc https://support.google.com/a/answer/14016360
Findings size-header-total size-header-count size-header-value size-message-id-length

# ---- RFC 5322 format
Reply 550 5.7.1 notcompliantrfc
Text "This message is not RFC 5322 compliant because it has multiple From: headers."
Match "multiple From: headers"
Cause "More than one From: header (RFC 5322 §3.6 allows exactly one)."
Remedy "Make the sending application write a single From: header."
Doc https://support.google.com/a/answer/3726730
Findings format-from-count

Reply 550 5.7.1 notcompliantrfc
Text "This message is not RFC 5322 compliant because the From: header is missing."
Match "From: header is missing"
Cause "The message has no From: header."
Remedy "Make the sending application write a From: header with one address."
Doc https://support.google.com/a/answer/3726730
Findings format-from-missing

Reply 550 5.7.1 notcompliantrfc
Text "This message is not RFC 5322 compliant because the From: header has a non-compliant domain name."
Match "From: header has a non-compliant domain"
Cause "The From: address has a domain that is not a valid domain name."
Remedy "Write From: with a real, fully qualified domain."
Doc https://support.google.com/a/answer/3726730
Findings format-from-invalid

Reply 550 5.7.1 notcompliantrfc
Text "This message is not RFC 5322 compliant because it has duplicate headers."
Match "duplicate headers|There are multiple .* headers"
Cause "A header that RFC 5322 allows once (Date, Subject, To, Message-ID...) appears twice."
Remedy "Write Date and From exactly once; Sender, Reply-To, To, Cc, Bcc, Message-ID, In-Reply-To, References and Subject at most once."
Doc https://support.google.com/a/answer/3726730
Findings format-duplicate-header format-date-count

Reply 550 5.7.1 notcompliantrfc
Text "This message is not RFC 5322 compliant. There is a malformed [header-name] header."
Match "There is a malformed .* header"
Cause "A header line that does not parse as a header field."
Remedy "Fix the generator: every header line is \"Name: value\", continuation lines start with a blank."
Doc https://support.google.com/a/answer/3726730
Findings format-header-malformed

Reply 550 5.7.1 notcompliantrfc
Text "Messages missing a valid address in the From: header, or having no From: header, are not accepted."
Match "missing a valid address in the From: header"
Cause "From: is missing or holds no valid mailbox."
Remedy "Write From: as \"Name <user@example.com>\" with one real address."
Doc https://support.google.com/a/answer/3726730
Findings format-from-missing format-from-invalid

Reply 550 5.7.1 notcompliantrfc
Text "Messages with multiple addresses in the From: header are not accepted."
Match "multiple addresses in the From: header"
Cause "From: holds more than one address."
Remedy "Put one address in From:; list further authors in Reply-To: or the body."
Doc https://support.google.com/a/answer/3726730
Findings format-from-multiple-addresses

Reply 550 5.7.1 notcompliantrfc
Text "Messages missing a valid Message-ID: header are not accepted."
Match "missing a valid Message-ID"
Cause "The message has no Message-ID, or one that is not <left@right>."
Remedy "Generate Message-IDs as <unique@your.domain>, angle brackets included."
Doc https://support.google.com/a/answer/3726730
Findings format-message-id-missing format-message-id-invalid

Reply 550 5.7.1 notcompliantrfc
Text "The message contains a unicode character in a disallowed header."
Match "unicode character in a disallowed header"
Cause "Raw 8-bit (UTF-8) text in a header that must be ASCII."
Remedy "Encode non-ASCII header text as RFC 2047 encoded-words."
Doc https://support.google.com/a/answer/3726730
Findings format-header-8bit

Reply 550 5.7.1 notcompliantrfc
Text "Encoded-word syntax is not permitted in message header [header-name]."
Match "Encoded-word syntax is not permitted"
Cause "An RFC 2047 encoded-word in a header where it is not allowed (an address, Message-ID...)."
Remedy "Use encoded-words only in unstructured text (Subject, display names)."
Doc https://support.google.com/a/answer/3726730
Findings format-encoded-word-invalid

Reply 554 5.6.0 contenterror
Text "Email message is malformed. Not accepted."
Match "message is malformed"
Cause "Broken MIME structure or header syntax."
Remedy "Fix the generator of the message."
Doc https://support.google.com/a/answer/3726730
Findings format-header-malformed mime-malformed

Reply 554 5.4.6 networkerror
Text "Message exceeded 50 hops, this may indicate an email loop."
Match "exceeded 50 hops"
Cause "More than 50 Received: headers: a mail loop."
Remedy "Fix the routing that sends the message around."
Doc https://support.google.com/a/answer/3726730

# ---- sending host and rates
Reply 550 5.7.1 blocked
Text "The IP you're using to send email is not authorized to send email directly to our servers. Please use the SMTP relay at your service provider instead."
Match "not authorized to send email directly to our servers"
Cause "A dynamic or residential IP address sends directly."
Remedy "Relay through a proper smarthost with a static IP and a PTR record."
Doc https://support.google.com/a/answer/3726730

Reply 550 5.2.1 speeding
Text "The email account that you tried to reach is receiving email at a rate that prevents additional messages from being delivered."
Match "receiving (mail|email) at a rate that"
Cause "The recipient receives too much mail right now (450 4.2.1 is the temporary form)."
Remedy "Back off and retry later; do not send in bursts to one recipient."
Doc https://support.google.com/a/answer/3726730

Reply 452 4.5.3 exceedlimit
Text "Your message has too many recipients."
Match "has too many recipients"
Cause "More recipients in one envelope than Gmail accepts."
Remedy "Split the envelope into several messages."
Doc https://support.google.com/a/answer/3726730
Findings size-too-many-recipients

Reply 550 5.5.3 exceedlimit
Text "Too many recipients for this sender."
Match "Too many recipients for this sender"
Cause "The sender exceeded its recipient limit."
Remedy "Split the envelope, or send through a list manager."
Doc https://support.google.com/a/answer/3726730
Findings size-too-many-recipients
