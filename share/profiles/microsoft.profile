# Microsoft: Outlook.com consumer mailboxes and Exchange Online (Microsoft 365)
# tenants: preflight-profiles(5).  Replies: providers.md §2.2 (sources named
# per entry there: Microsoft's NDR pages, sisimai's Microsoft table, the
# Outlook.com troubleshooting page), limits §3.2, requirements §3.4.
Name microsoft
Description "Outlook.com (hotmail, live, msn) and Exchange Online tenants"
Domains outlook.com hotmail.com live.com msn.com passport.com
# Country variants Microsoft still serves: they share the Outlook.com MX
# (*.olc.protection.outlook.com), so the MX lookup finds the rest too.
Domains outlook.fr outlook.de outlook.es outlook.it outlook.co.uk outlook.jp
Domains hotmail.co.uk hotmail.fr hotmail.de hotmail.it hotmail.es hotmail.nl
Domains hotmail.be hotmail.ca hotmail.com.au hotmail.com.br hotmail.co.jp
Domains live.co.uk live.fr live.de live.it live.nl live.be live.ca live.com.au
# Outlook.com: hotmail-com.olc.protection.outlook.com; Exchange Online:
# <tenant>.mail.protection.outlook.com
MX *.protection.outlook.com
# Outlook.com takes about 20 MB (sources disagree: 20/25/34 MB); Exchange
# Online defaults to 35/36 MB, raisable to 150 MB.  The lower figure is kept.
SizeLimit 20M
# Bulk sender: 5,000 or more a day to Outlook.com consumer mailboxes from one From
# domain since 2025-05-05 (providers.md 2.2, 550 5.7.515).
BulkThreshold 5000/1d

# ---- authentication
Reply 550 5.7.515 authfailure
Text "Access denied, sending domain [SendingDomain] does not meet the required authentication level."
Match "5\.7\.515|does not meet the required authentication level"
Cause "Since 2025-05-05 domains that send 5,000 or more messages a day to Outlook.com must pass SPF and DKIM, and publish DMARC (p=none or stricter) that passes aligned."
Remedy "Publish SPF and DKIM for the sending domain, and a DMARC record (p=none or stricter) that aligns with them."
Doc https://support.microsoft.com/en-au/topic/fix-ndr-error-550-5-7-515-in-outlook-com-34cfe8f8-6fbf-457e-9e8b-9e4dbaf4e0ef
Findings auth-bulk-spf-and-dkim auth-bulk-unaligned auth-bulk-dmarc-missing

Reply 550 5.7.509 authfailure
Text "Access denied, sending domain [SenderDomain] does not pass DMARC verification and has a DMARC policy of reject."
Match "5\.7\.509|does not pass DMARC verification"
Cause "DMARC fails and the From domain's policy is reject."
Remedy "Align SPF (MAIL FROM domain) or DKIM (d=) with the From domain."
Doc https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/non-delivery-reports-in-exchange-online
Findings auth-dmarc-reject

Reply 550 5.7.23 authfailure
Text "The message was rejected because of Sender Policy Framework violation."
Match "Sender Policy Framework violation"
Cause "SPF fails for the MAIL FROM domain."
Remedy "Add the egress IP to the SPF record of the MAIL FROM domain."
Doc https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/non-delivery-reports-in-exchange-online
Findings auth-spf-fail

Reply 550 5.7.25 requireptr
Text "Access denied, the sending IPv6 address [address] must have a reverse DNS record."
Match "IPv6 address .* must have a reverse DNS record"
Cause "Mail over IPv6 from an address without a PTR record."
Remedy "Publish a PTR record for the IPv6 egress address, or send over IPv4."
Doc https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/non-delivery-reports-in-exchange-online

# The code of this one is not quoted in the sources; its status is.
Reply 450 4.7.26 authfailure
Text "Access denied, a message sent over IPv6 [address] must pass either SPF or DKIM validation, this message is not signed."
Match "sent over IPv6 .* must pass either SPF or DKIM"
Cause "Mail over IPv6 that passes neither SPF nor DKIM."
Remedy "DKIM-sign the mail and cover the IPv6 egress address in SPF, or send over IPv4."
Doc https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/non-delivery-reports-in-exchange-online

# ---- format
Reply 550 5.6.11 notcompliantrfc
Text "SMTPSEND.BareLinefeedsAreIllegal; message contains bare linefeeds, which cannot be sent via DATA and receiving system does not support BDAT"
Match "BareLinefeedsAreIllegal"
Cause "Bare LF characters in the message, relayed by Exchange Online to a host without BDAT."
Remedy "End every line with CRLF (RFC 5322 §2.3); normalise line ends before submitting."
Findings format-bare-newline

# ---- size
Reply 552 5.3.4 mesgtoobig
Text "Message size exceeds fixed maximum message size"
Match "exceeds fixed maximum message size"
Cause "The message is larger than the receiving organisation accepts."
Remedy "Share large files as links; the limit applies to the encoded message."
Doc https://learn.microsoft.com/en-us/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits
Findings size-over-limit

Reply 550 5.2.3 mesgtoobig
Text "RESOLVER.RST.RecipSizeLimit; message too large for this recipient"
Match "RecipSizeLimit"
Cause "The message is larger than the recipient's mailbox accepts."
Remedy "Share large files as links, or ask the recipient's admin about MaxReceiveSize."
Doc https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/non-delivery-reports-in-exchange-online
Findings size-over-limit

Reply 550 5.2.12 mesgtoobig
Text "RESOLVER.RST.SendSizeLimit.Org; message too large for this organization"
Match "SendSizeLimit"
Cause "The message is larger than the sending Exchange Online organisation allows."
Remedy "Share large files as links, or raise MaxSendSize for the sender."
Doc https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/non-delivery-reports-in-exchange-online

# ---- reputation and blocks (the Outlook.com troubleshooting page)
Reply 550 5.7.1 blocked
Text "Unfortunately, messages from [IP] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150)."
Match "\(S3150\)|\(S3140\)|part of their network is on our block list"
Cause "The sending IP or its network is on Microsoft's internal block list (S3140 is the same)."
Remedy "Ask for delisting (go.microsoft.com/fwlink/?LinkID=614866) and enrol in SNDS and JMRP."
Doc https://go.microsoft.com/fwlink/?LinkID=614866

Reply 451 4.7.650 badreputation
Text "The mail server [IP] has been temporarily rate limited due to IP reputation. (S775)"
Match "4\.7\.650|rate limited due to IP reputation"
Cause "The IP's reputation is poor; Microsoft slows it down."
Remedy "Send less, to engaged recipients; check SNDS."
Doc https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/non-delivery-reports-in-exchange-online

Reply 550 5.7.606 blocked
Text "Access denied, banned sending IP [IP]."
Match "5\.7\.6[0-4][0-9]|banned sending IP"
Cause "The sending IP is banned (5.7.606 to 5.7.649)."
Remedy "Request delisting at sender.office.com."
Doc https://sender.office.com

Reply 550 5.7.511 blocked
Text "Access denied, banned sender."
Match "5\.7\.511|Access denied, banned sender"
Cause "The sender is banned."
Remedy "Ask for delisting by mail to delist@messaging.microsoft.com with the NDR."
Doc https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/non-delivery-reports-in-exchange-online

Reply 421 - toomanyconn
Text "RP-001 The mail server IP connecting to Outlook.com server has exceeded the rate limit allowed. Reason for rate limitation is related to IP/domain reputation."
Match "RP-00[123]"
Cause "Too many messages or connections for the IP's reputation (RP-001 rate, RP-002 and RP-003 connections)."
Remedy "Pace the sending and keep few connections open."
Doc https://sendersupport.olc.protection.outlook.com/pm/troubleshooting.aspx

Reply 550 - blocked
Text "SC-001 Mail rejected by Outlook.com for policy reasons. Reasons for rejection may be related to content with spam-like characteristics or IP/domain reputation."
Match "SC-001"
Cause "Content with spam-like traits, or the IP's or domain's reputation."
Remedy "Review the content; check the IP in SNDS."
Doc https://sendersupport.olc.protection.outlook.com/pm/troubleshooting.aspx

Reply 550 - blocked
Text "OU-002 Mail rejected by Outlook.com for policy reasons. Reasons for rejection may be related to content with spam-like characteristics or IP/domain reputation."
Match "OU-002"
Cause "Content with spam-like traits, or the IP's or domain's reputation."
Remedy "Review the content; check the IP in SNDS."
Doc https://sendersupport.olc.protection.outlook.com/pm/troubleshooting.aspx

Reply 550 - rejected
Text "SC-002 Mail rejected by Outlook.com for policy reasons. The mail server IP connecting to Outlook.com server has exhibited namespace mining behavior."
Match "SC-002"
Cause "Namespace mining: many messages to addresses that do not exist."
Remedy "Clean the list; remove addresses that bounce."
Doc https://sendersupport.olc.protection.outlook.com/pm/troubleshooting.aspx

Reply 550 - blocked
Text "SC-003 Mail rejected by Outlook.com for policy reasons. Your IP address appears to be an open proxy/relay."
Match "SC-003"
Cause "The sending IP looks like an open proxy or relay."
Remedy "Close the relay; allow relaying only for authenticated or internal clients."
Doc https://sendersupport.olc.protection.outlook.com/pm/troubleshooting.aspx

Reply 550 - badreputation
Text "SC-004 Mail rejected by Outlook.com for policy reasons. A block has been placed against your IP address because we have received complaints concerning mail coming from that IP address."
Match "SC-004"
Cause "Recipients complained about mail from the IP."
Remedy "Join JMRP to see the complaints, and mail only recipients who asked for it."
Doc https://sendersupport.olc.protection.outlook.com/pm/troubleshooting.aspx

Reply 550 - blocked
Text "DY-001 Mail rejected by Outlook.com for policy reasons. We generally do not accept email from dynamic IP's as they are not typically used to deliver unauthenticated SMTP e-mail to an Internet mail server."
Match "DY-001"
Cause "The sending IP is in dynamic (residential) address space."
Remedy "Relay through a smarthost with a static IP and a PTR record."
Doc https://sendersupport.olc.protection.outlook.com/pm/troubleshooting.aspx

Reply 550 - blocked
Text "DY-002 Mail rejected by Outlook.com for policy reasons. The likely cause is a compromised or virus infected server/personal computer."
Match "DY-002"
Cause "The sending host looks compromised or infected."
Remedy "Clean the host and find the account or script that sends."
Doc https://sendersupport.olc.protection.outlook.com/pm/troubleshooting.aspx

Reply 550 - blocked
Text "OU-001 Mail rejected by Outlook.com for policy reasons. For more information about this block and to request removal please go to: Spamhaus."
Match "OU-001"
Cause "The sending IP is listed by Spamhaus."
Remedy "Look the IP up and request delisting at spamhaus.org/query, after removing the cause."
Doc https://www.spamhaus.org/query/
