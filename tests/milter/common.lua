-- common.lua - helpers for the miltertest scripts of test-milter.sh.
--
-- The shell script passes MT_SOCKET (the milter's socket) and MT_DIR (this
-- folder); a script loads this file with
--   local pf = dofile(os.getenv("MT_DIR") .. "/common.lua")
-- Each pf.check prints "PASS: desc" or "FAIL: desc"; test-milter.sh turns
-- those lines into TAP, and pf.done() fails the script if any check failed.
local pf = { failed = 0 }

-- pf.check - one assertion; cond may be any value, nil/false fail
function pf.check(cond, desc)
	if cond then
		print("PASS: " .. desc)
	else
		print("FAIL: " .. desc)
		pf.failed = pf.failed + 1
	end
end

-- pf.done - end of script: an error makes miltertest exit non-zero
function pf.done()
	if pf.failed > 0 then
		error(pf.failed .. " check(s) failed")
	end
end

-- pf.accepted - the eom reply of a message that goes on
function pf.accepted(reply)
	return reply == SMFIR_CONTINUE or reply == SMFIR_ACCEPT
end

-- pf.connect - connect and send the connection data.  o.ip, o.host,
-- o.daemon ({daemon_name}; default ORIGINATING, i.e. outbound)
function pf.connect(o)
	o = o or {}
	local sock = assert(os.getenv("MT_SOCKET"), "MT_SOCKET is not set")
	local conn = mt.connect(sock, 50, 0.1)
	if conn == nil then
		error("cannot connect to " .. sock)
	end
	local ip = o.ip or "192.0.2.10"
	mt.macro(conn, SMFIC_CONNECT, "j", "mta.example.test",
	    "{daemon_name}", o.daemon or "ORIGINATING", "{client_addr}", ip,
	    "{client_name}", o.host or "client.example.test")
	assert(mt.conninfo(conn, o.host or "client.example.test", ip) == nil, "conninfo")
	-- Over a unix socket the milter asks for no reply at connect
	-- (SMFIP_NR_CONN, checked in clean.lua); miltertest then reads none.
	if not mt.test_option(conn, SMFIP_NR_CONN) then
		pf.check(mt.getreply(conn) == SMFIR_CONTINUE, "connect is answered with continue")
	end
	-- Explicit HELO: an implicit one after mt.macro(SMFIC_MAIL) would make
	-- libmilter discard the MAIL macros ({i}, {auth_authen}).
	assert(mt.helo(conn, o.host or "client.example.test") == nil, "helo")
	return conn
end

-- pf.envelope - MAIL FROM and RCPT TO; returns the MAIL FROM reply.
-- o.qid ({i}), o.auth ({auth_authen}), o.from, o.rcpt (string or list)
function pf.envelope(conn, o)
	o = o or {}
	if o.auth then
		mt.macro(conn, SMFIC_MAIL, "i", o.qid or "QTEST", "{auth_authen}", o.auth)
	else
		mt.macro(conn, SMFIC_MAIL, "i", o.qid or "QTEST")
	end
	assert(mt.mailfrom(conn, "<" .. (o.from or "alice@example.test") .. ">") == nil, "mailfrom")
	local reply = mt.getreply(conn)
	if reply ~= SMFIR_CONTINUE then
		return reply
	end
	local rcpts = o.rcpt or "bob@remote.test"
	if type(rcpts) == "string" then
		rcpts = { rcpts }
	end
	for _, r in ipairs(rcpts) do
		assert(mt.rcptto(conn, "<" .. r .. ">") == nil, "rcptto")
	end
	return reply
end

-- pf.headers - a message that no check objects to; extra {name, value}
-- pairs are appended
function pf.headers(extra)
	local h = {
		{ "From", "Alice <alice@example.test>" },
		{ "To", "Bob <bob@remote.test>" },
		{ "Subject", "Quarterly report" },
		{ "Date", os.date("!%a, %d %b %Y %H:%M:%S +0000") },
		{ "Message-ID", "<" .. os.time() .. ".1@example.test>" },
		{ "MIME-Version", "1.0" },
		{ "Content-Type", "text/plain; charset=us-ascii" },
	}
	for _, x in ipairs(extra or {}) do
		table.insert(h, x)
	end
	return h
end

-- pf.message - headers, end of headers, body, end of message; returns
-- the eom reply
function pf.message(conn, headers, body)
	for _, h in ipairs(headers) do
		assert(mt.header(conn, h[1], h[2]) == nil, "header " .. h[1])
	end
	assert(mt.eoh(conn) == nil, "eoh")
	assert(mt.bodystring(conn, body or "Hello Bob,\r\n\r\nthe report is attached.\r\n") == nil, "body")
	assert(mt.eom(conn) == nil, "eom")
	return mt.getreply(conn)
end

return pf
