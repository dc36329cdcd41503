"""The other services fail2ban watches, and common self-hosted applications
(``incidents/parsers/formats/services.py``), and Apache's ModSecurity, missing-script and malformed
request errors: each line as the service writes it gives its client, time, kind and signature.

No database: ``.venv/bin/python -m pytest -q tests/test_parsers_services.py``.
"""

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidents.parsers import Kind, ParseContext, parse_stream
from incidents.parsers.formats import services

REFERENCE = datetime(2024, 12, 31, tzinfo=UTC)
T = datetime(2024, 11, 18, 6, 25, 3, tzinfo=UTC)


def parsed(line: str, tz: str = "UTC"):
    ctx = ParseContext(tz=ZoneInfo(tz), reference=REFERENCE)
    return parse_stream(io.BytesIO(line.encode() + b"\n"), ctx=ctx)


# (format, line, client, signature, kind, port); every line is stamped 2024-11-18 06:25:03 UTC (and
# a fraction)
LINES = [
    ("pure-ftpd", "Nov 18 06:25:03 ftp pure-ftpd: (?@198.51.100.15) [WARNING] Authentication failed for user "
     "[admin]", "198.51.100.15", "pure-ftpd: authentication failed", Kind.FAILED_LOGIN, 21),
    ("courier", "Nov 18 06:25:03 mx imapd-ssl: LOGIN FAILED, user=admin, ip=[::ffff:198.51.100.9]",
     "198.51.100.9", "courier: login failed", Kind.FAILED_LOGIN, None),
    ("courier", 'Nov 18 06:25:03 mx courieresmtpd: error,relay=::ffff:198.51.100.16,msg="535 Authentication '
     'failed.",cmd: AUTH LOGIN', "198.51.100.16", "courier-esmtpd: authentication failed or unknown user",
     Kind.FAILED_LOGIN, 25),
    ("sendmail", "Nov 18 06:25:03 mx sendmail[1]: x4ICP3x1: [198.51.100.19]: possible SMTP attack: "
     "command=AUTH, count=5", "198.51.100.19", "sendmail: repeated AUTH", Kind.FAILED_LOGIN, 25),
    ("sendmail", "Nov 18 06:25:03 mx sendmail[2]: x4ICP3x2: AUTH failure (LOGIN): authentication failure "
     "(-13) SASL(-13): authentication failure: checkpass failed, user=admin, relay=bad.example "
     "[198.51.100.20]", "198.51.100.20", "sendmail: AUTH failure", Kind.FAILED_LOGIN, 25),
    ("roundcube", "[18-Nov-2024 06:25:03 +0000]: <abcd1234> IMAP Error: Login failed for admin against "
     "localhost from 198.51.100.8. AUTHENTICATE PLAIN: Authentication failed. in rcube_imap.php on line 200",
     "198.51.100.8", "roundcube: login failed", Kind.FAILED_LOGIN, None),
    ("roundcube", "[18-Nov-2024 06:25:03 +0000]: Failed login for admin from 198.51.100.21 in session "
     "abc (error: 0)", "198.51.100.21", "roundcube: login failed", Kind.FAILED_LOGIN, None),
    ("cyrus-imap", "Nov 18 06:25:03 mx cyrus/imap[123]: badlogin: unknown [198.51.100.10] plaintext admin "
     "SASL(-13): authentication failure: checkpass failed", "198.51.100.10", "cyrus: bad login",
     Kind.FAILED_LOGIN, None),
    ("audit-sshd", "type=USER_AUTH msg=audit(1731911103.123:457): pid=1 uid=0 auid=4294967295 "
     "ses=4294967295 msg='op=PAM:authentication acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=198.51.100.8 "
     "addr=198.51.100.8 terminal=ssh res=failed'", "198.51.100.8", "sshd (audit): authentication failed",
     Kind.FAILED_LOGIN, None),
    ("gitlab", '{"severity":"ERROR","time":"2024-11-18T06:25:03.000Z","message":"Failed Login: '
     'username=admin ip=198.51.100.18"}', "198.51.100.18", "gitlab: failed login", Kind.FAILED_LOGIN, None),
    ("gitlab", '{"method":"POST","path":"/users/sign_in","format":"html","controller":"SessionsController",'
     '"action":"create","status":200,"time":"2024-11-18T06:25:03.195Z","params":[{"key":"user","value":'
     '{"login":"root","password":"[FILTERED]"}}],"remote_ip":"198.51.100.101","ua":"curl/8","duration_s":0.1}',
     "198.51.100.101", "gitlab: failed sign-in", Kind.FAILED_LOGIN, None),
    ("gitlab", '{"method":"POST","path":"/users/auth/ldapmain/callback","format":"html","status":401,'
     '"time":"2024-11-18T06:25:03Z","meta.remote_ip":"198.51.100.102","remote_ip":"198.51.100.102"}',
     "198.51.100.102", "gitlab: failed sign-in", Kind.FAILED_LOGIN, None),
    ("gitlab", '{"method":"POST","path":"/users/auth/ldapmain/callback","format":"html","controller":'
     '"OmniauthCallbacksController","action":"failure","status":302,"location":"https://git.example/users/'
     'sign_in","time":"2024-11-18T06:25:03.5Z","remote_ip":"198.51.100.104","ua":"curl/8"}',
     "198.51.100.104", "gitlab: failed sign-in", Kind.FAILED_LOGIN, None),
    ("gitea", "2024/11/18 06:25:03 ...ers/web/auth/auth.go:200:SignInPost() [I] Failed authentication "
     "attempt for admin from 198.51.100.20:5555: invalid credentials", "198.51.100.20",
     "gitea: failed authentication", Kind.FAILED_LOGIN, None),
    ("grafana", 't=2024-11-18T06:25:03+0000 lvl=eror msg="Invalid username or password" logger=context '
     'userId=0 orgId=0 uname= error="invalid username or password" remote_addr=198.51.100.14',
     "198.51.100.14", "grafana: invalid username or password", Kind.FAILED_LOGIN, None),
    ("mssql", "2024-11-18 06:25:03.12 Logon       Login failed for user 'sa'. Reason: Password did not match "
     "that for the login provided. [CLIENT: 198.51.100.15]", "198.51.100.15", "mssql: login failed",
     Kind.FAILED_LOGIN, 1433),
    ("mongodb", '{"t":{"$date":"2024-11-18T06:25:03.000+00:00"},"s":"I","c":"ACCESS","id":20249,'
     '"ctx":"conn1","msg":"Authentication failed","attr":{"mechanism":"SCRAM-SHA-256",'
     '"principalName":"admin","remote":"198.51.100.16:5555","error":"AuthenticationFailed"}}',
     "198.51.100.16", "mongodb: authentication failed", Kind.FAILED_LOGIN, 27017),
    ("mongodb", "2024-11-18T06:25:03.000+0000 I ACCESS   [conn1] SASL SCRAM-SHA-1 authentication failed for "
     "admin on admin from client 198.51.100.17:5555 ; AuthenticationFailed: SCRAM-SHA-1 authentication "
     "failed, storedKey mismatch", "198.51.100.17", "mongodb: authentication failed", Kind.FAILED_LOGIN,
     27017),
    ("lighttpd-auth", "2024-11-18 06:25:03: (mod_auth.c.828) password doesn't match for /gitweb/ username: "
     "admin, IP: 198.51.100.17", "198.51.100.17", "lighttpd: authentication failed", Kind.FAILED_LOGIN, None),
    ("webmin", "Nov 18 06:25:03 box webmin[123]: Invalid login as admin from 198.51.100.6", "198.51.100.6",
     "webmin: invalid login", Kind.FAILED_LOGIN, 10000),
    ("xinetd", "Nov 18 06:25:03 box xinetd[123]: FAIL: telnet address from=198.51.100.11", "198.51.100.11",
     "xinetd: refused", Kind.BLOCKED, None),
    ("monit", "Nov 18 06:25:03 box monit[123]: HttpRequest: access denied -- client 198.51.100.19: wrong "
     "password for user 'admin'", "198.51.100.19", "monit: access denied", Kind.FAILED_LOGIN, 2812),
    ("guacamole", '2024-11-18 06:25:03,123 WARN  o.a.g.r.auth.AuthenticationService - Authentication attempt '
     'from [198.51.100.12, 10.0.0.1] for user "admin" failed.', "198.51.100.12",
     "guacamole: authentication failed", Kind.FAILED_LOGIN, None),
    ("phpmyadmin", "Nov 18 06:25:03 box phpMyAdmin[123]: user denied: root (mysql-denied) from 198.51.100.13",
     "198.51.100.13", "phpmyadmin: user denied", Kind.FAILED_LOGIN, None),
    ("znc", "[2024-11-18 06:25:03] [admin] failed to login from 198.51.100.20", "198.51.100.20",
     "znc: failed login", Kind.FAILED_LOGIN, None),
    ("horde", "Nov 18 06:25:03 box HORDE: [imp] FAILED LOGIN for admin [198.51.100.22] to Horde "
     "[on line 139 of \"/usr/share/horde/lib/Horde/Core/Auth/Application.php\"]", "198.51.100.22",
     "horde: failed login", Kind.FAILED_LOGIN, None),
    ("sogo", "Nov 18 06:25:03 box sogod [123]: SOGoRootPage Login from '198.51.100.23' for user 'admin' "
     "might not have worked - password policy: 65535  grace: -1  expire: -1  bound: 0", "198.51.100.23",
     "sogo: failed login", Kind.FAILED_LOGIN, None),
    ("drupal", "Nov 18 06:25:03 web drupal: http://example.com|1731911103|user|198.51.100.24|"
     "http://example.com/user/login|http://example.com/user/login|0||Login attempt failed for admin.",
     "198.51.100.24", "drupal: login attempt failed", Kind.FAILED_LOGIN, None),
    ("bitwarden", "[2024-11-18 06:25:03.123][vaultwarden::api::identity][ERROR] Username or password is "
     "incorrect. Try again. IP: 198.51.100.25. Username: a@example.com.", "198.51.100.25",
     "bitwarden: username or password incorrect", Kind.FAILED_LOGIN, None),
    ("nextcloud", '{"reqId":"x","level":2,"time":"2024-11-18T06:25:03+00:00","remoteAddr":"198.51.100.26",'
     '"app":"core","message":"Login failed: admin (Remote IP: 198.51.100.26)"}', "198.51.100.26",
     "nextcloud: login failed", Kind.FAILED_LOGIN, None),
    ("proxmox", "Nov 18 06:25:03 pve pvedaemon[123]: authentication failure; rhost=::ffff:198.51.100.27 "
     "user=root@pam msg=Authentication failure", "198.51.100.27", "proxmox: authentication failure",
     Kind.FAILED_LOGIN, 8006),
    ("home-assistant", "2024-11-18 06:25:03.123 WARNING (MainThread) [homeassistant.components.http.ban] "
     "Login attempt or request with invalid authentication from host.example (198.51.100.28). "
     "Requested URL: '/auth/login_flow'", "198.51.100.28", "home-assistant: invalid authentication",
     Kind.FAILED_LOGIN, None),
    ("nginx-limit-req", '2024/11/18 06:25:03 [error] 123#123: *456 limiting requests, excess: 0.500 by zone '
     '"one", client: 198.51.100.1, server: example.com, request: "GET / HTTP/1.1", host: "example.com"',
     "198.51.100.1", "nginx: request rate limited", Kind.BLOCKED, None),
    ("wu-ftpd", "Nov 18 06:25:03 ftp wu-ftpd[18760]: failed login from host.example [198.51.100.50]",
     "198.51.100.50", "wu-ftpd: failed login", Kind.FAILED_LOGIN, 21),
    ("uw-imap", "Nov 18 06:25:03 mx ipop3d[25745]: Login excessive login failures user=info auth=info "
     "host=host.example [198.51.100.51]", "198.51.100.51", "uw-imap: login failed", Kind.FAILED_LOGIN, None),
    ("solid-pop3d", "Nov 18 06:25:03 mx solid-pop3d[3822]: authentication failed: can't map user name: "
     "adrian - 198.51.100.52", "198.51.100.52", "solid-pop3d: login failed", Kind.FAILED_LOGIN, 110),
    ("freeswitch", "2024-11-18 06:25:03.767815 [WARNING] sofia_reg.c:2531 Can't find user [1001@192.0.2.51] "
     "from 198.51.100.53", "198.51.100.53", "freeswitch: SIP authentication failed", Kind.FAILED_LOGIN, 5060),
    ("kerio", "[18/Nov/2024 06:25:03] Relay attempt from IP address 198.51.100.54, mail from <a@example.com> "
     "to <b@example.org> rejected", "198.51.100.54", "kerio: SMTP refused", Kind.BLOCKED, 25),
    ("domino-smtp", "[28325:00010-3735542592] 18-11-2024 06:25:03   smtp: postmaster [198.51.100.60] "
     "authentication failure using internet password", "198.51.100.60", "domino: SMTP authentication failed",
     Kind.FAILED_LOGIN, 25),
    ("squid", "1731911103.000      4 198.51.100.61 TCP_DENIED/403 4099 GET http://example.com/azenv.php - "
     "HIER_NONE/- text/html", "198.51.100.61", "squid: request denied", Kind.BLOCKED, None),
    ("suhosin", "Nov 18 06:25:03 host suhosin[9636]: ALERT - script tried to increase memory_limit to "
     "268435456 bytes which is above the allowed value (attacker '198.51.100.62', file '/var/www/x.php', "
     "line 1)",
     "198.51.100.62", "suhosin: alert", Kind.SCAN, None),
    ("scanlogd", "Nov 18 06:25:03 srv scanlogd: 198.51.100.63:4444 to 192.0.2.1 ports 80, 81, 83, ..., "
     "f????uxy, TOS 00, TTL 49 @20:44:43", "198.51.100.63", "scanlogd: port scan", Kind.SCAN, None),
    ("qmail", "Nov 18 06:25:03 sd6 qmail: 1157520813.485077 rblsmtpd: 198.51.100.64 pid 19597 "
     "sbl-xbl.spamhaus.org: 451 http://www.spamhaus.org/query/bl?ip=198.51.100.64", "198.51.100.64",
     "qmail: listed in an RBL", Kind.BLOCKED, 25),
    ("directadmin", "2024:11:18-06:25:03: '198.51.100.65' 13 failed login attempts. Account 'admin'",
     "198.51.100.65", "directadmin: failed login", Kind.FAILED_LOGIN, 2222),
    ("assp", "Nov-18-24 06:25:03 [Worker_1] [TLS-in] [TLS-out] [SSL-in] [SSL-out] 198.51.100.66 "
     "[SMTP Error] 535 5.7.8 Error: authentication failed: authentication failure", "198.51.100.66",
     "assp: authentication failed", Kind.FAILED_LOGIN, 25),
    ("ejabberd", "2024-11-18 06:25:03.512 [info] <0.22741.1>@ejabberd_c2s:wait_for_feature_request:662 "
     "({socket_state,p1_tls,{tlssock,#Port<0.24718>,#Port<0.24720>},<0.22740.1>}) Failed authentication for "
     "test@example.com from IP 198.51.100.70", "198.51.100.70", "ejabberd: authentication failed",
     Kind.FAILED_LOGIN, 5222),
    ("nsd", "[1731911103] nsd[23600]: info: axfr for zone example.org. from client 198.51.100.71 refused, "
     "no acl matches.", "198.51.100.71", "nsd: query refused", Kind.BLOCKED, 53),
    ("murmur", "<W>2024-11-18 06:25:03.818 1 => <4:someone(-1)> Rejected connection from "
     "198.51.100.72:29530: Invalid server password", "198.51.100.72", "murmur: connection rejected",
     Kind.FAILED_LOGIN, 64738),
    ("openwebmail", "Mon Nov 18 06:25:03 2024 - [72926] (198.51.100.73) gsdfg - login error - no such user - "
     "loginname=gsdfg", "198.51.100.73", "openwebmail: login error", Kind.FAILED_LOGIN, None),
    ("oracle-ims", '<co ts="2024-11-18T06:25:03.99" pi="72aa.17f0.25622" sc="tcp_local" dr="+" ac="U" '
     'tr="TCP|192.0.2.223|25|198.51.100.74|4299" ap="SMTP" mi="Bad password" us="a@example.com" '
     'di="535 5.7.8 Bad username or password (Authentication failed)."/>', "198.51.100.74",
     "oracle-ims: bad password", Kind.FAILED_LOGIN, None),
    ("screensharingd", "Nov 18 2024 06:25:03 mac.example screensharingd[1170]: Authentication: FAILED :: "
     "User Name: x :: Viewer Address: 198.51.100.75 :: Type: DH", "198.51.100.75",
     "screensharingd: authentication failed", Kind.FAILED_LOGIN, 5900),
    ("monitorix", "Mon Nov 18 06:25:03 2024 - AUTHERR - [198.51.100.76] Authentication error: /monitorix/",
     "198.51.100.76", "monitorix: refused", Kind.FAILED_LOGIN, 8080),
    ("counter-strike", 'L 18/11/2024 - 06:25:03: Bad Rcon: "rcon 1146003691 "284"  sv_contact "x"" from '
     '"198.51.100.77:57370"', "198.51.100.77", "counter-strike: bad rcon password", Kind.FAILED_LOGIN, 27015),
    ("softethervpn", '2024-11-18 06:25:03.781 Connection "CID-72": User authentication failed. The user name '
     'that has been provided was "bob", from 198.51.100.78.', "198.51.100.78",
     "softethervpn: authentication failed", Kind.FAILED_LOGIN, None),
    ("tine20", "78017 00cff -- none -- - 2024-11-18T06:25:03+00:00 WARN (4): Tinebase_Controller::login::106 "
     "Login with username x from 198.51.100.79 failed (-1)!", "198.51.100.79", "tine20: login failed",
     Kind.FAILED_LOGIN, None),
    ("perdition", "Nov 18 06:25:03 ares perdition.imaps[3194]: Fatal Error reading authentication "
     "information from client 198.51.100.80:2274->192.0.2.9:993: Exiting child", "198.51.100.80",
     "perdition: login failed", Kind.FAILED_LOGIN, None),
    ("froxlor", "Nov 18 06:25:03 host Froxlor: [Login Action 198.51.100.81] User 'admin' tried to login with "
     "wrong password.", "198.51.100.81", "froxlor: failed login", Kind.FAILED_LOGIN, None),
    ("apache-auth", "[Mon Nov 18 06:25:03.522240 2024] [:error] [pid 1795] [client 198.51.100.82:50700] WAR "
     '[Login denied for user "username1"], referer: https://zoneminder/', "198.51.100.82",
     "zoneminder: login denied", Kind.FAILED_LOGIN, None),
    ("roundcube", "Nov 18 06:25:03 mail roundcube: IMAP Error: Login failed for admin from 127.0.0.1. from "
     "198.51.100.30. AUTHENTICATE PLAIN: A0002 NO Login failed. in rcube_imap.php on line 1", "198.51.100.30",
     "roundcube: login failed", Kind.FAILED_LOGIN, None),  # the last "from": proxies come first
    ("sendmail", "Nov 18 06:25:03 relay1 sm-mta[1]: 06I02CNi016765: AUTH failure (LOGIN): authentication "
     "failure (-13) SASL(-13): authentication failure: checkpass failed, user=x, relay=[192.0.2.100], "
     "relay=[198.51.100.31] (may be forged)", "198.51.100.31", "sendmail: AUTH failure", Kind.FAILED_LOGIN,
     25),  # the last relay=: the first was written by the client
    ("sendmail", "Nov 18 06:25:03 smtp1 sm-acceptingconnections[2]: s1GNeNqe005178: host.example "
     "[198.51.100.32] (may be forged): possible SMTP attack: command=AUTH, count=5", "198.51.100.32",
     "sendmail: repeated AUTH", Kind.FAILED_LOGIN, 25),
    ("lighttpd-auth", "2024-11-18 06:25:03: (http_auth.c.875) password doesn't match for /gitweb/ username: "
     "admin, IP: 198.51.100.33", "198.51.100.33", "lighttpd: authentication failed", Kind.FAILED_LOGIN, None),
    ("courier", "Nov 18 06:25:03 mx courierpop3login: LOGIN FAILED, user=a@example.org, "
     "ip=[::ffff:198.51.100.34]",
     "198.51.100.34", "courier: login failed", Kind.FAILED_LOGIN, None),
    ("cyrus-imap", "Nov 18 06:25:03 mx imapd[2517]: badlogin: local-host[198.51.100.35] OTP [SASL(-13): "
     "authentication failure: External SSF not good enough]", "198.51.100.35", "cyrus: bad login",
     Kind.FAILED_LOGIN, None),
    ("horde", "Nov 18 06:25:03 web HORDE [error] [imp] FAILED LOGIN for a@example.com [198.51.100.36] to "
     "{mx.example.com:993 [imap/ssl/novalidate-cert]} [pid 683 on line 139]", "198.51.100.36",
     "horde: failed login", Kind.FAILED_LOGIN, None),
    ("bitwarden", "2024-11-18 06:25:03.008 +00:00 [WRN] Failed login attempt, 2FA invalid. 198.51.100.37",
     "198.51.100.37", "bitwarden: failed login", Kind.FAILED_LOGIN, None),
    ("apache-auth", "[Mon Nov 18 06:25:03 2024] [error] [client 198.51.100.38:5555] [client 198.51.100.38] "
     'ModSecurity: [file "/etc/modsec.conf"] [line "635"] [id "340069"] Access denied with code 403 '
     '(phase 2).',
     "198.51.100.38", "apache: ModSecurity denied", Kind.BLOCKED, None),
    ("apache-auth", "[Mon Nov 18 06:25:03.123456 2024] [:error] [pid 123] [client 198.51.100.2:5555] "
     'ModSecurity: Access denied with code 403 (phase 2). Pattern match "x" at REQUEST_URI. [id "1"]',
     "198.51.100.2", "apache: ModSecurity denied", Kind.BLOCKED, None),
    ("apache-auth", "[Mon Nov 18 06:25:03 2024] [error] [client 198.51.100.5] script '/var/www/x.php' not "
     "found or unable to stat", "198.51.100.5", "apache: request for a script that is not there", Kind.SCAN,
     None),
    ("apache-auth", "[Mon Nov 18 06:25:03 2024] [error] [client 198.51.100.29] request failed: URI too long "
     "(longer than 8190)", "198.51.100.29", "apache: malformed request", Kind.SCAN, None),
    ("apache-auth", "[Mon Nov 18 06:25:03 2024] [error] [client 198.51.100.44] File does not exist: "
     "/srv/www/~root", "198.51.100.44", "apache: request for a user's home directory", Kind.SCAN, None),
    ("apache-auth", "[Mon Nov 18 06:25:03.5 2024] [core:info] [pid 4101] [client 198.51.100.45:46652] "
     "AH00128: File does not exist: /srv/www/phpMyAdmin-4.9/index.php, referer: http://x/", "198.51.100.45",
     "apache: probe for a common web application", Kind.SCAN, None),
    ("apache-auth", "[Mon Nov 18 06:25:03 2024] [error] [client 198.51.100.46] File does not exist: "
     "/srv/www/roundcube", "198.51.100.46", "apache: probe for a common web application", Kind.SCAN, None),
    ("apache-auth", "[Mon Nov 18 06:25:03.1 2024] [cgi:error] [pid 1] [client 198.51.100.47:5] AH01215: "
     "/bin/bash: warning: HTTP_X: ignoring function definition attempt", "198.51.100.47",
     "apache: Shellshock attempt (CVE-2014-6271)", Kind.SCAN, None),
    ("nginx-probe", '2024/11/18 06:25:03 [error] 283#0: *16 open() "/srv/www/cgi-bin/php5" failed (2: No '
     'such file or directory), client: 198.51.100.48, server: x, request: "GET /cgi-bin/php5 HTTP/1.1"',
     "198.51.100.48", "nginx: probe for a common web application", Kind.SCAN, None),
    ("nginx-probe", '2024/11/18 06:25:03 [error] 283#0: *17 "/srv/www/webmail/" is not found (2: No such '
     'file or directory), client: 198.51.100.49, server: x, request: "GET /webmail/ HTTP/1.1"',
     "198.51.100.49", "nginx: probe for a common web application", Kind.SCAN, None),
    ("exim", "2024-11-18 06:25:03 1Ai79e-0000Dq-8i F=<a@b.example> H=dsl.example [198.51.100.50] P=smtp "
     "rejected by local_scan(): Rejected: hits=7.5 required=5.0", "198.51.100.50", "exim: spam rejected",
     Kind.BLOCKED, None),
    ("exim", "2024-11-18 06:25:03 [2249] H=([198.51.100.51]) [198.51.100.51]:52391 I=[192.0.2.1]:25 "
     "F=a@b.example rejected RCPT c@d.example: rejected found in dnsbl zen.spamhaus.org", "198.51.100.51",
     "exim: spam rejected", Kind.BLOCKED, 25),
    ("exim", "2024-11-18 06:25:03 1VxHRO-000NiI-Ly SA: Action: silently tossed message: score=31.0 "
     "required=5.0 (scanned in 6/6 secs | Message-Id: x@y). From <a@b.example> (host=dyn.example "
     "[198.51.100.52]) for me@my.example", "198.51.100.52", "exim: SpamAssassin: spam", Kind.BLOCKED, None),
    ("sendmail", "Nov 18 06:25:03 mx sm-mta[22248]: s1NLaDQT022248: ruleset=check_rcpt, arg1=<a@b.example>, "
     "relay=int0.example [198.51.100.53] (may be forged), reject=550 5.7.1 <a@b.example>... Relaying denied",
     "198.51.100.53", "sendmail: client rejected", Kind.BLOCKED, 25),
    ("sendmail", "Nov 18 06:25:03 mx sm-mta[24422]: ruleset=check_relay, arg1=x.example, arg2=198.51.100.54, "
     "relay=x.example [198.51.100.54], reject=421 4.3.2 Connection rate limit exceeded.", "198.51.100.54",
     "sendmail: client rejected", Kind.BLOCKED, 25),
    ("sendmail", "Nov 18 06:25:03 mx sm-mta[44307]: s1R9r60D044307: rejecting commands from  [198.51.100.55] "
     "due to pre-greeting traffic after 0 seconds", "198.51.100.55", "sendmail: pre-greeting traffic",
     Kind.SCAN, 25),
    ("sendmail", "Nov 18 06:25:03 mx sm-mta[4030]: s1MD2hsd004030: rrcs.example [198.51.100.56]: VRFY root "
     "[rejected]", "198.51.100.56", "sendmail: EXPN/VRFY refused", Kind.SCAN, 25),
    ("sendmail", "Nov 18 06:25:03 mx sm-mta[50438]: 06QDQnNf050438: x.example [IPv6:2001:DB8::1] did not "
     "issue MAIL/EXPN/VRFY/ETRN during connection to IPv6", "2001:db8::1",
     "sendmail: connection without mail", Kind.SCAN, 25),
    ("gssftpd", "Nov 18 06:25:03 host ftpd[132]: repeated login failures from 198.51.100.57 (x.example)",
     "198.51.100.57", "gssftpd: repeated login failures", Kind.FAILED_LOGIN, 21),
    ("nrpe", "Nov 18 06:25:03 mon nrpe[63284]: Host 198.51.100.58 is not allowed to talk to us!",
     "198.51.100.58", "nrpe: host not allowed", Kind.BLOCKED, 5666),
    ("stunnel", "2024.11.18 06:25:03 LOG3[28228:140093368055552]: SSL_accept from 198.51.100.59:33454 : "
     "140890C7: error:140890C7:SSL routines:SSL3_GET_CLIENT_CERTIFICATE:peer did not return a certificate",
     "198.51.100.59", "stunnel: no client certificate", Kind.FAILED_LOGIN, None),
    ("squirrelmail", "11/18/2024 06:25:03 [LOGIN_ERROR] admin (example.org) from 198.51.100.60: Unknown user "
     "or password incorrect.", "198.51.100.60", "squirrelmail: login failed", Kind.FAILED_LOGIN, None),
    ("centreon", "2024-11-18 06:25:03|-1|0|0|[WEB] [198.51.100.61] Authentication failed for 'admin' : "
     "password mismatch", "198.51.100.61", "centreon: authentication failed", Kind.FAILED_LOGIN, None),
    ("groupoffice", '[2024-11-18 06:25:03]LOGIN FAILED for user: "admin" from IP: 198.51.100.62',
     "198.51.100.62", "groupoffice: login failed", Kind.FAILED_LOGIN, None),
    ("3proxy", "241118062503.429 9051 00005 admin 198.51.100.64:62700 192.0.2.50:80 0 0 0 CONNECT "
     "192.0.2.50:80", "198.51.100.64", "3proxy: authentication failed", Kind.FAILED_LOGIN, None),
    ("groupoffice", "localhost [Mon Nov 18 06:25:03 2024] [notice] [pid 1662] [client 198.51.100.65:17672] "
     "Password authentication failed for 'x' from IP: '198.51.100.65'", "198.51.100.65",
     "groupoffice: login failed", Kind.FAILED_LOGIN, None),
    # the user name typed may itself be an address: the client is the one after "from IP:"
    ("groupoffice", "localhost [Mon Nov 18 06:25:03 2024] [notice] [pid 7] [client 198.51.100.69:40211] "
     "Password authentication failed for '203.0.113.77' from IP: '198.51.100.69'", "198.51.100.69",
     "groupoffice: login failed", Kind.FAILED_LOGIN, None),
    ("froxlor", "2024-11-18T06:25:03.311379+00:00 host froxlor[1055219]: froxlor.WARNING: User tried to "
     'login with wrong password. {"source":"login","action":"50","user":"198.51.100.66"} []', "198.51.100.66",
     "froxlor: failed login", Kind.FAILED_LOGIN, None),
    ("domino-pop3", "[28325:00010-3735542592] 18-11-2024 06:25:03   POP3 Server: Authentication failure for "
     "x@example.com, connecting host 198.51.100.67: Password not found in the Name and Address Book entry",
     "198.51.100.67", "domino: POP3 authentication failed", Kind.FAILED_LOGIN, 110),
    ("drupal", "Nov 18 06:25:03 web drupal: https://www.example.com|1731911103|page not found|198.51.100.68|"
     "https://www.example.com/wp-login.php|https://x/|0||wp-login.php", "198.51.100.68",
     "drupal: probe for a common web application", Kind.SCAN, None),
    ("dante", "Nov 18 06:25:03 vps danted[1846]: info: block(1): tcp/accept ]: 198.51.100.69.57178 "
     "0.0.0.0.1080: error after reading 18 bytes in 0 seconds: system password authentication failed for "
     'user "x"', "198.51.100.69", "dante: authentication failed", Kind.FAILED_LOGIN, 1080),
    ("gophernicus", 'Nov 18 06:25:03 srv gophernicus[21661]: error "File or directory not found! " for '
     'request "/^C" from 198.51.100.76 (No such file or directory)', "198.51.100.76",
     "gophernicus: request for a missing file", Kind.SCAN, 70),
    ("mattermost", '2024-11-18T06:25:03.113+0000\terror\tmlog/log.go:172\tLogin failed because of invalid '
     'password\t{"path": "/api/v4/users/login", "request_id": "a", "ip_addr": "198.51.100.77"}',
     "198.51.100.77", "mattermost: login failed", Kind.FAILED_LOGIN, None),
    ("mattermost", '{"level":"error","ts":1731911103.6335213,"caller":"mlog/log.go:172","msg":"Error '
     'trying to authenticate MFA token","path":"/api/v4/users/login","ip_addr":"198.51.100.78"}',
     "198.51.100.78", "mattermost: login failed", Kind.FAILED_LOGIN, None),
    ("crowdsec", 'time="2024-11-18T06:25:03Z" level=info msg="(abc/crowdsec) crowdsecurity/http-open-proxy '
     'by ip 198.51.100.79 (NL/58061) : 4h ban on Ip 198.51.100.79"', "198.51.100.79", "crowdsec: banned",
     Kind.LISTED, None),
    ("lighttpd-auth", "2024-11-18 06:25:03: (http_auth.c.877) client used invalid token: My App, IP: "
     "198.51.100.85", "198.51.100.85", "lighttpd: authentication failed", Kind.FAILED_LOGIN, None),
    ("apache-auth", "[Mon Nov 18 06:25:03.182799 2024] [core:error] [pid 2928] [client 198.51.100.86:37924] "
     "AH10244: invalid URI path (/cgi-bin/.%2e/.%2e/bin/sh)", "198.51.100.86", "apache: malformed request",
     Kind.SCAN, None),
    ("apache-auth", "[Mon Nov 18 06:25:03 2024] [error] [client 198.51.100.87] Directory index forbidden by "
     "Options directive: /srv/www/wp-includes/", "198.51.100.87", "apache: directory listing refused",
     Kind.SCAN, None),
    ("nextcloud", '{"reqId":"x","level":2,"time":"2024-11-18T06:25:03+00:00","remoteAddr":"198.51.100.90",'
     '"user":"--","method":"POST","url":"/login","message":"Login failed: \\"remoteAddr\\":\\"127.0.0.1\\" '
     '(Remote IP: 198.51.100.90)"}', "198.51.100.90", "nextcloud: login failed", Kind.FAILED_LOGIN, None),
    ("nextcloud", '{"reqId":"x","level":1,"time":"2024-11-18T06:25:03+00:00","remoteAddr":"198.51.100.91",'
     '"app":"core","method":"GET","url":"/","message":"Trusted domain error. \\"198.51.100.91\\" tried to '
     'access using \\"x.example\\" as host."}', "198.51.100.91", "nextcloud: access with an untrusted domain",
     Kind.SCAN, None),
    ("paperless-ngx", "[2024-11-18 06:25:03,139] [INFO] [paperless.auth] Login failed for user `x` from "
     "private IP `198.51.100.92`.", "198.51.100.92", "paperless-ngx: login failed", Kind.FAILED_LOGIN, None),
    ("paperless-ngx", "[2024-11-18 06:25:03,139] [INFO] [paperless.auth] Login failed for user `x` from "
     "IP `198.51.100.93.`", "198.51.100.93", "paperless-ngx: login failed", Kind.FAILED_LOGIN, None),
    ("nginx-error", "2024/11/18 06:25:03 [error] 2035#2035: *9134 access forbidden by rule, client: "
     '198.51.100.93, server: x, request: "GET /wp-config.php~ HTTP/1.1", host: "x"', "198.51.100.93",
     "nginx: access forbidden by rule", Kind.BLOCKED, None),
    ("nginx-error", '2024/11/18 06:25:03 [error] 3202#0: *136 FastCGI sent in stderr: "Primary script '
     'unknown" while reading response header from upstream, client: 198.51.100.94, server: x',
     "198.51.100.94",
     "nginx: request for a script that is not there", Kind.SCAN, None),
    ("nginx-error", "2024/11/18 06:25:03 [crit] 3075615#3075615: *2489 SSL_do_handshake() failed (SSL: "
     "error:0A00006C:SSL routines::bad key share) while SSL handshaking, client: 198.51.100.95, server: "
     "0.0.0.0:443", "198.51.100.95", "nginx: malformed TLS handshake", Kind.SCAN, None),
    ("postgresql", '2024-11-18 06:25:03.410 UTC [2210] x@y FATAL:  no pg_hba.conf entry for host '
     '"198.51.100.98", user "x", database "y", SSL off', "198.51.100.98", "postgresql: host not allowed",
     Kind.BLOCKED, 5432),
    ("wazuh", '{"timestamp":"2024-11-18T06:25:03.512+0000","rule":{"level":10,"description":"sshd: brute '
     'force trying to get access to the system.","id":"5712"},"agent":{"id":"001"},'
     '"data":{"srcip":"198.51.100.99","srcport":"41234"}}', "198.51.100.99", "wazuh: alert", Kind.IDS_ALERT,
     None),
    ("bitwarden", "[2024-11-18 06:25:03.725][vaultwarden::api::admin][ERROR] Invalid admin token. IP: "
     "198.51.100.101", "198.51.100.101", "vaultwarden: invalid admin token", Kind.FAILED_LOGIN, None),
    ("bitwarden", "[2024-11-18 06:25:03.892][vaultwarden::api::core::two_factor::authenticator][ERROR] "
     "Invalid TOTP code! Server time: 2024-11-18 06:25:03 UTC IP: 198.51.100.102", "198.51.100.102",
     "vaultwarden: invalid TOTP code", Kind.FAILED_LOGIN, None),
    ("xrdp", "[20241118-06:25:03] [INFO ] AUTHFAIL: user=x ip=192.0.2.4 time=1 ip=::ffff:198.51.100.103 "
     "time=1731911103", "198.51.100.103", "xrdp: authentication failed", Kind.FAILED_LOGIN, 3389),
    ("wireguard", "Nov 18 06:25:03 gw kernel: [82508.102168] wireguard: wg0: Invalid handshake initiation "
     "from 198.51.100.104:51820", "198.51.100.104", "wireguard: invalid handshake", Kind.FAILED_LOGIN, None),
    ("wireguard", "Nov 18 06:25:03 gw kernel: [82508.1] wireguard: wg1: Packet has unallowed src IP "
     "(10.30.0.20) from peer 2 (198.51.100.105:51820)", "198.51.100.105",
     "wireguard: packet from an unallowed source", Kind.BLOCKED, None),
    ("authelia", 'time="2024-11-18T06:25:03Z" level=error msg="Unsuccessful 1FA authentication attempt by '
     'user \'x\': user not found" method=POST path=/api/firstfactor remote_ip=198.51.100.106 stack="x"',
     "198.51.100.106", "authelia: authentication failed", Kind.FAILED_LOGIN, None),
    ("authelia", '{"level":"error","method":"POST","msg":"Error occurred getting details for user with '
     'username input \'x\' which usually indicates they do not exist","path":"/api/firstfactor",'
     '"remote_ip":"198.51.100.107","time":"2024-11-18T06:25:03Z"}', "198.51.100.107",
     "authelia: authentication failed", Kind.FAILED_LOGIN, None),
    ("authentik", '{"action": "login_failed", "auth_via": "unauthenticated", "client_ip": "198.51.100.108", '
     '"event": "Created Event", "timestamp": "2024-11-18T06:25:03.598288"}', "198.51.100.108",
     "authentik: login failed", Kind.FAILED_LOGIN, None),
    ("adguardhome", "2024/11/18 06:25:03.233208 [error] POST 198.51.100.109 /control/login: invalid username "
     "or password", "198.51.100.109", "adguardhome: login failed", Kind.FAILED_LOGIN, None),
    ("emby", "2024-11-18 06:25:03.092 Warn Server: AUTH-ERROR: 198.51.100.110 - Invalid username or password "
     "entered.", "198.51.100.110",
     "emby: login failed", Kind.FAILED_LOGIN, None),
    ("jellyfin", "[2024-11-18 06:25:03.729 +00:00] [INF] [79] "
     "Jellyfin.Server.Implementations.Users.UserManager: "
     'Authentication request for "x" has been denied (IP: "198.51.100.111").', "198.51.100.111",
     "jellyfin: login failed", Kind.FAILED_LOGIN, None),
    ("overseerr", '2024-11-18T06:25:03.637Z [warn][API]: Failed sign-in attempt using invalid Overseerr '
     'password {"ip":"::ffff:198.51.100.112","email":"x"}', "198.51.100.112",
     "overseerr: failed sign-in", Kind.FAILED_LOGIN, None),
    ("overseerr", '2024-11-18T06:25:03.139Z [info][Auth]: Failed login attempt from user with incorrect '
     'Jellyfin credentials {"account":{"ip":"::ffff:198.51.100.94","email":"x","password":"__REDACTED__"}}',
     "198.51.100.94", "jellyseerr: failed sign-in", Kind.FAILED_LOGIN, None),
    ("ombi", "2024-11-18 06:25:03.110 +00:00 [Warning] Failed login attempt by IP: 198.51.100.113",
     "198.51.100.113",
     "ombi: login failed", Kind.FAILED_LOGIN, None),
    ("arr", "Nov 18 06:25:03 sonarr mono[125]: [Warn] Auth: Auth-Failure ip 198.51.100.114 username 'test'",
     "198.51.100.114",
     "arr: authentication failed", Kind.FAILED_LOGIN, None),
    ("navidrome", 'time="2024-11-18T06:25:03Z" level=warning msg="HTTP: POST http://x/auth/login" '
     'httpStatus=401 '
     'remoteAddr=198.51.100.115 requestId=x', "198.51.100.115",
     "navidrome: login failed", Kind.FAILED_LOGIN, None),
    ("uptime-kuma", "2024-11-18T06:25:03.450Z [AUTH] WARN: Invalid token provided for user Test. "
     "IP=198.51.100.116", "198.51.100.116",
     "uptime-kuma: login failed", Kind.FAILED_LOGIN, None),
    ("thehive", "2024-11-18 06:25:03,000 [info] o.t.s.AccessLogFilter [1e60|2989] 198.51.100.117 POST "
     "/api/v1/login "
     "took 8ms and returned 401 65 bytes", "198.51.100.117",
     "thehive: login failed", Kind.FAILED_LOGIN, None),
    ("odoo", "2024-11-18 06:25:03,644 1 INFO odoo odoo.addons.base.models.res_users: Login failed for "
     "db:odoo "
     "login:x@mail.example from 198.51.100.118", "198.51.100.118",
     "odoo: login failed", Kind.FAILED_LOGIN, None),
    ("litespeed", "2024-11-18 06:25:03.353044 [INFO] [1226038] [198.51.100.119:61120-5#Example] User "
     "'x' failed to "
     "authenticate.", "198.51.100.119",
     "litespeed: authentication failed", Kind.FAILED_LOGIN, None),
    ("zimbra", "2024-11-18 06:25:03,762 INFO  [qtp93314457-324:https://x/service/admin/soap/] "
     "[oip=198.51.100.120;"
     "oport=57752;oproto=smtp;soapId=688cb579;] SoapEngine - handler exception: authentication failed "
     "for [x], "
     "account not found", "198.51.100.120",
     "zimbra: authentication failed", Kind.FAILED_LOGIN, None),
    ("samba", "Nov 18 06:25:03 host smb[1]: Auth: [SMB2,(null)] user [WORKGROUP]\\[root] at [Mon, 18 "
     "Nov 2024 06:25:03 UTC] "
     "with [NTLMv2] status [NT_STATUS_NO_SUCH_USER] workstation [X] remote host [ipv4:198.51.100.121:44890] "
     "mapped to [WORKGROUP]\\[root]. local host [ipv4:192.0.2.2:445]", "198.51.100.121",
     "samba: authentication failed", Kind.FAILED_LOGIN, 445),
    ("stalwart", '2024-11-18T06:25:03Z INFO Blocked IP address (security.ip-blocked) listenerId = '
     '"smtp", localPort = 25, '
     'remoteIp = 198.51.100.122, remotePort = 46700', "198.51.100.122",
     "stalwart: refused", Kind.BLOCKED, None),
    ("endlessh", "2024-11-18T06:25:03.813Z ACCEPT host=::ffff:198.51.100.123 port=39590 fd=4 n=1/4096",
     "198.51.100.123",
     "endlessh: connection to the SSH tarpit", Kind.SCAN, None),
    ("postfix", "Nov 18 06:25:03 mx postfix/postscreen[22244]: PREGREET 16 after 2.6 from "
     "[198.51.100.124]:41323: "
     "EHLO 127.0.0.1\\r\\n", "198.51.100.124",
     "postfix: talked before the greeting", Kind.SCAN, 25),
    ("vsftpd-response", 'Mon Nov 18 06:25:03 2024 [pid 15685] [www-data] FTP response: Client '
     '"198.51.100.125", "530 '
     'Permission denied."', "198.51.100.125",
     "vsftpd: login refused", Kind.FAILED_LOGIN, 21),
    ("grafana", '{"error":"user not found","level":"error","logger":"context","msg":"Invalid username '
     'or password",'
     '"remote_addr":"198.51.100.126","t":"2024-11-18T06:25:03.1833376+00:00"}', "198.51.100.126",
     "grafana: invalid username or password", Kind.FAILED_LOGIN, None),
    ("postgresql", '2024-11-18 06:25:03.536 UTC:198.51.100.127(5432):x@postgres:[127]:FATAL:  password '
     'authentication '
     'failed for user "x"', "198.51.100.127",
     "postgresql: password authentication failed", Kind.FAILED_LOGIN, 5432),
    ("mysqld", "2024-11-18T06:25:03.116872Z        14 Connect   Access denied for user "
     "'u'@'198.51.100.128' (using "
     "password: YES)", "198.51.100.128",
     "mysqld: access denied", Kind.FAILED_LOGIN, None),
    # behind its proxy: the client is the oip=, not the proxy's ip= before it
    ("zimbra", "2024-11-18 06:25:03,193 INFO  [ImapSSLServer-1] [ip=192.0.2.17;oip=198.51.100.129;"
     "via=192.0.2.17(nginx/1.7.1);cid=57;] imap - authentication failed for [x@example.com] (invalid "
     "password)", "198.51.100.129", "zimbra: authentication failed", Kind.FAILED_LOGIN, None),
    ("3proxy", "18-11-2024 09:25:03 +0300 PROXY.3128 00004 - 198.51.100.63:28783 0.0.0.0:0 0 0 0 GET "
     "http://example.com/ HTTP/1.1", "198.51.100.63", "3proxy: authentication failed", Kind.FAILED_LOGIN,
     None),
    ("mongodb", "2024-11-18T06:25:03.000+0000 I ACCESS   [conn7] SCRAM-SHA-1 authentication failed for "
     "app on appdb from client 198.51.100.120 ; AuthenticationFailed: SCRAM-SHA-1 authentication failed, "
     "storedKey mismatch", "198.51.100.120", "mongodb: authentication failed", Kind.FAILED_LOGIN, 27017),
    ("samba-hosts", "Nov 18 06:25:03 files smbd[900]: Denied connection from (198.51.100.121)",
     "198.51.100.121", "samba: connection denied", Kind.BLOCKED, 445),
    ("samba-hosts", "Nov 18 06:25:03 files smbd[901]:   Denied connection from scan.example (198.51.100.122)",
     "198.51.100.122", "samba: connection denied", Kind.BLOCKED, 445),
    ("cpanel", '[2024-11-18 06:25:03 +0000] info [cpsrvd] 198.51.100.123 - guest "POST /login/?login_only=1 '
     'HTTP/1.1" FAILED LOGIN webmaild: user name not provided or invalid user', "198.51.100.123",
     "cpanel: failed login", Kind.FAILED_LOGIN, None),
    ("r-services", "Nov 18 06:25:03 old rshd[77]: Connection from 198.51.100.124 on illegal port",
     "198.51.100.124", "rshd: connection from an unprivileged port", Kind.SCAN, 514),
    ("r-services", "Nov 18 06:25:03 old rlogind[78]: Connection from 198.51.100.125 on illegal port",
     "198.51.100.125", "rlogind: connection from an unprivileged port", Kind.SCAN, 513),
    ("winevtlog-text", "2024 Nov 18 06:25:03 WinEvtLog: Security: AUDIT_FAILURE(4625): "
     "Microsoft-Windows-Security-Auditing: (no user): no domain: dc1.corp.example: An account failed to "
     "log on. Subject: Security ID: S-1-0-0 Logon Type: 3 Failure Information: Failure Reason: Unknown user "
     "name or bad password. Network Information: Workstation Name: - Source Network Address: 198.51.100.126 "
     "Source Port: 50123",
     "198.51.100.126", "windows: failed logon", Kind.FAILED_LOGIN, None),
    ("keycloak", "2024-11-18 06:25:03,357 WARN  [org.keycloak.events] (executor-thread-4) type=LOGIN_ERROR, "
     "realmId=main, clientId=account-console, userId=null, ipAddress=198.51.100.130, error=user_not_found, "
     "username=guest", "198.51.100.130", "keycloak: login error", Kind.FAILED_LOGIN, None),
    # newer Keycloak quotes its values
    ("keycloak", '2024-11-18 06:25:03,357 WARN  [org.keycloak.events] (executor-thread-4) '
     'type="LOGIN_ERROR", realmId="main", clientId="web", userId="x", ipAddress="198.51.100.131", '
     'error="invalid_user_credentials"',
     "198.51.100.131", "keycloak: login error", Kind.FAILED_LOGIN, None),
    ("teleport", '{"code":"T1000W","event":"user.login","success":false,"time":"2024-11-18T06:25:03.133Z",'
     '"user":"x","method":"local","addr.remote":"198.51.100.132:40100"}', "198.51.100.132",
     "teleport: login failed", Kind.FAILED_LOGIN, None),
    ("audiobookshelf", '[2024-11-18 06:25:03.882] ERROR: [LocalAuth] Failed login attempt for username '
     '"admin" from ip 198.51.100.133 (User not found)', "198.51.100.133", "audiobookshelf: login failed",
     Kind.FAILED_LOGIN, None),
    ("audiobookshelf", '{"timestamp":"2024-11-18 06:25:03.784","source":"Auth.js:1","message":"[Auth] Failed '
     'login attempt for username \\"admin\\" from ip 198.51.100.134 (Invalid password)","levelName":"ERROR",'
     '"level":4}', "198.51.100.134", "audiobookshelf: login failed", Kind.FAILED_LOGIN, None),
    ("baikal", "[Mon Nov 18 06:25:03.428126 2024] [proxy_fcgi:error] [pid 11:tid 12] [client "
     "198.51.100.135:50211] AH01071: Got error 'PHP message: user admin authentication failure for Baikal'",
     "198.51.100.135", "baikal: authentication failure", Kind.FAILED_LOGIN, None),
    ("baikal", '2024/11/18 06:25:03 [error] 41#41: *9 FastCGI sent in stderr: "PHP message: user root '
     'authentication failure for Baikal" while reading response header from upstream, '
     'client: 198.51.100.136, server: dav.example, request: "POST /admin/ HTTP/1.1"', "198.51.100.136",
     "baikal: authentication failure", Kind.FAILED_LOGIN, None),
    # the client address comes before the server's
    ("apereo-cas", "2024-11-18 06:25:03,116 INFO "
     "[org.apereo.inspektr.audit.support.Slf4jLoggingAuditTrailManager] - Mon Nov 18 06:25:03 UTC 2024|CAS|"
     "Supplied credentials: [alice]|AUTHENTICATION_FAILED|alice|"
     "198.51.100.137|192.0.2.5", "198.51.100.137", "cas: authentication failed", Kind.FAILED_LOGIN, None),
    ("apereo-cas", '{"who":"alice","what":"Supplied credentials: [alice]","action":"AUTHENTICATION_FAILED",'
     '"application":"CAS","when":"2024-11-18T06:25:03Z","clientIpAddress":"198.51.100.138",'
     '"serverIpAddress":"192.0.2.5"}', "198.51.100.138", "cas: authentication failed", Kind.FAILED_LOGIN,
     None),
    ("axigen", "2024-11-18 06:25:03 +0000 08 mx SMTP-IN:0000A1B2: SSL alert remote "
     "198.51.100.139:45678, "
     "error:0A000102:SSL routines::unsupported protocol", "198.51.100.139", "axigen: TLS handshake refused",
     Kind.SCAN, None),
    ("exchange-smtp", "2024-11-18T06:25:03.270Z,MX1\\Default Frontend MX1,08DA0000AAAA0001,7,192.0.2.25:587,"
     "198.51.100.160:50123,>,535 5.7.3 Authentication unsuccessful,", "198.51.100.160",
     "exchange: SMTP authentication unsuccessful", Kind.FAILED_LOGIN, None),
    ("csf-lfd", "Nov 18 06:25:03 web lfd[4242]: (sshd) Failed SSH login from 198.51.100.161 "
     "(NL/Netherlands/-): 5 in the last 3600 secs - *Blocked in csf* for 3600 secs [LF_SSHD]",
     "198.51.100.161", "lfd: repeated login failures", Kind.FAILED_LOGIN, None),
    ("csf-lfd", "Nov 18 06:25:03 web lfd[4243]: *Port Scan* detected from 198.51.100.162 "
     "(US/United States/-). 11 hits in the last 60 seconds - *Blocked in csf* for 3600 secs [PS_LIMIT]",
     "198.51.100.162", "lfd: port scan", Kind.SCAN, None),
    ("csf-lfd", "Nov 18 06:25:03 web lfd[4244]: 198.51.100.163 (DE/Germany/-), 10 distributed sshd "
     "attacks on account [root] in the last 3600 secs - *Blocked in csf* [LF_DISTATTACK]", "198.51.100.163",
     "lfd: distributed login attack", Kind.FAILED_LOGIN, None),
    ("csf-lfd", "Nov 18 06:25:03 web lfd[4245]: (CT) IP 198.51.100.164 (FR/France/-) found to have 300 "
     "connections - *Blocked in csf* for 1800 secs [CT_LIMIT]", "198.51.100.164", "lfd: connection flood",
     Kind.BLOCKED, None),
    # the request's client first, then the proxy it came through
    ("harbor", 'Nov 18 06:25:03 172.25.0.1 core[9]: 2024-11-18T06:25:03Z [ERROR] '
     '[/server/middleware/security/basic_auth.go:72][client IP="198.51.100.165, 10.0.0.2" requestID="r1" '
     'user agent="docker/27.0"]: '
     "failed to authenticate user:admin, error:Failed to authenticate user, due to error "
     "'Invalid credentials'",
     "198.51.100.165", "harbor: failed to authenticate", Kind.FAILED_LOGIN, None),
    ("redmine", "W, [2024-11-18T06:25:03.123456 #1]  WARN -- : Failed login for 'admin' from "
     "198.51.100.166 at 2024-11-18 06:25:03 UTC", "198.51.100.166", "redmine: failed login",
     Kind.FAILED_LOGIN, None),
    ("ispconfig", "Failed login for user 'admin' from 198.51.100.167 at 2024-11-18 06:25:03",
     "198.51.100.167", "ispconfig: failed login", Kind.FAILED_LOGIN, 8080),
    ("hestiacp", "2024-11-18 06:25:03 admin 198.51.100.168 failed to login", "198.51.100.168",
     "hestiacp: failed login", Kind.FAILED_LOGIN, 8083),
    ("calibre-web", '[2024-11-18 06:25:03,562]  WARN {cps.web:1475} Login failed for user "admin" '
     "IP-address: 198.51.100.169", "198.51.100.169", "calibre-web: login failed", Kind.FAILED_LOGIN, None),
    ("mealie", "ERROR    2024-11-18T06:25:03 - Incorrect username or password from 198.51.100.170",
     "198.51.100.170", "mealie: login failed", Kind.FAILED_LOGIN, None),
    ("ntfy", '{"time":"2024-11-18T06:25:03.02Z","level":"DEBUG","message":"Connection closed with HTTP 401 '
     '(ntfy error 40101)","error":"unauthorized","http_method":"GET","http_path":"/alerts/json",'
     '"http_status":401,"tag":"http","visitor_id":"ip:198.51.100.171","visitor_ip":"198.51.100.171"}',
     "198.51.100.171", "ntfy: unauthorized", Kind.FAILED_LOGIN, None),
    ("ntfy", "2024/11/18 06:25:03 DEBUG Connection closed with HTTP 403 (ntfy error 40301) (http_method=PUT, "
     "http_path=/alerts, http_status=403, visitor_ip=198.51.100.172)", "198.51.100.172", "ntfy: unauthorized",
     Kind.FAILED_LOGIN, None),
    ("filebrowser", "2024/11/18 06:25:03 /api/login: 403 198.51.100.173 <nil>", "198.51.100.173",
     "filebrowser: login refused", Kind.FAILED_LOGIN, None),
    ("technitium", "[2024-11-18 06:25:03 UTC] [198.51.100.174:50051] DnsServerCore.DnsWebServiceException: "
     "Invalid username or password for user: admin", "198.51.100.174", "technitium: login failed",
     Kind.FAILED_LOGIN, 5380),
    # behind a proxy: the first address it forwarded for
    ("sabnzbd", "2024-11-18 06:25:03,797::WARNING::[interface:657] Unsuccessful login attempt from 10.0.0.3 "
     "(X-Forwarded-For: 198.51.100.175, 10.0.0.4) [Mozilla/5.0 (X11; Linux x86_64)]", "198.51.100.175",
     "sabnzbd: login failed", Kind.FAILED_LOGIN, None),
    ("sabnzbd", "2024-11-18 06:25:03,797::WARNING::[interface:657] Fehlerhafter Login Versuch von "
     "198.51.100.176 [curl/8.5]", "198.51.100.176", "sabnzbd: login failed", Kind.FAILED_LOGIN, None),
    ("webmin-actions", '1731911103.12345.0 [18/Nov/2024 06:25:03] root - 198.51.100.177 global miniserv.pl '
     '"failed" "-" "wrongpass"', "198.51.100.177", "webmin: invalid login", Kind.FAILED_LOGIN, 10000),
    ("gin", '[GIN] 2024/11/18 - 06:25:03 | 401 |     412.7µs |  198.51.100.178 | POST     "/client"',
     "198.51.100.178", "gin: login refused (401)", Kind.FAILED_LOGIN, None),
    ("couchdb", "[notice] 2024-11-18T06:25:03.373712Z nonode@nohost <0.325.1> 3b0034fcd1 db.example "
     "198.51.100.179 undefined GET /_all_dbs 401 ok 6", "198.51.100.179", "couchdb: login refused",
     Kind.FAILED_LOGIN, 5984),
    ("stirling-pdf", "2024-11-18 06:25:03,237 ERROR s.s.S.c.s.CustomAuthenticationFailureHandler "
     "[qtp1-102] Failed login attempt from IP: [2001:db8::180]", "2001:db8::180",
     "stirling-pdf: login failed", Kind.FAILED_LOGIN, None),
    ("stirling-pdf", "2024-11-18 06:25:03,366 WARN s.s.p.s.c.a.AuthController [jetty-9] Invalid password for "
     "user: admin from IP: 198.51.100.181", "198.51.100.181", "stirling-pdf: login failed", Kind.FAILED_LOGIN,
     None),
    # the proxy, then the client it forwarded for
    ("romm", "INFO:     [RomM][nginx][2024-11-18 06:25:03] 172.18.0.13 | 198.51.100.182 | POST /api/login "
     "401 | 43 | Firefox | 0.008", "198.51.100.182", "romm: login failed", Kind.FAILED_LOGIN, None),
    ("baserow", ' [BACKEND][2024-11-18 06:25:03] 198.51.100.183:0 - "POST /api/user/token-auth/ HTTP/1.1" '
     '401',
     "198.51.100.183", "baserow: login failed", Kind.FAILED_LOGIN, None),
]
# lines without a stamp of their own: (format, line, client, signature, kind)
UNSTAMPED = [
    ("uvicorn", 'INFO:     198.51.100.184:52782 - "POST /login HTTP/1.1" 401 Unauthorized', "198.51.100.184",
     "uvicorn: request refused (401)", Kind.FAILED_LOGIN),
]


@pytest.mark.parametrize(("fmt", "line", "client", "sig", "kind", "port"), LINES,
                         ids=[f"{row[0]}-{n}" for n, row in enumerate(LINES)])
def test_each_service_line_records_its_client_time_kind_and_signature(fmt, line, client, sig, kind, port):
    outcome = parsed(line)
    assert outcome.formats_seen == {fmt: 1}
    [summary] = outcome.offenders.by_src.values()
    assert summary.src == client and summary.kinds == {kind} and list(summary.signatures) == [sig]
    assert summary.first_seen.replace(microsecond=0) == T and summary.count == 1
    assert summary.ports == ({port} if port else set())


@pytest.mark.parametrize(("fmt", "line", "client", "sig", "kind"), UNSTAMPED)
def test_a_service_line_without_a_stamp_records_its_client_kind_and_signature_and_no_time(
        fmt, line, client, sig, kind):
    outcome = parsed(line)
    assert outcome.formats_seen == {fmt: 1}
    [summary] = outcome.offenders.by_src.values()
    assert (summary.src, summary.kinds, list(summary.signatures)) == (client, {kind}, [sig])
    assert summary.first_seen is None and summary.count == 1


def test_a_stamp_without_a_zone_is_read_in_the_evidence_zone_and_an_audit_epoch_is_utc():
    [s] = parsed("Nov 18 07:25:03 box webmin[1]: Invalid login as admin from 198.51.100.6",
                 tz="Europe/Berlin").offenders.by_src.values()
    assert s.first_seen == T
    [s] = parsed(LINES[8][1], tz="America/New_York").offenders.by_src.values()
    assert s.first_seen == datetime(2024, 11, 18, 6, 25, 3, 123000, tzinfo=UTC)


def test_a_service_line_without_an_address_records_nothing_and_lines_of_others_are_left_alone():
    outcome = parsed("Nov 18 06:25:03 box webmin[1]: Invalid login as admin from ")
    assert outcome.offenders.by_src == {}
    for line in ("Nov 18 06:25:03 box sshd[1]: Failed password for root from 198.51.100.7 port 22 ssh2",
                 "Nov 18 06:25:03 box CRON[2]: (root) CMD (run-parts /etc/cron.hourly)",
                 '198.51.100.1 - - [18/Nov/2024:06:25:03 +0000] "GET / HTTP/1.1" 200 1 "-" "curl/8"'):
        assert not set(parsed(line).formats_seen) & {f.name for f in services.FORMATS}, line


@pytest.mark.parametrize("line", [
    # a client's text quoted in another message
    "2024-11-18 06:25:03.02 Wrong data received: Logon       Login failed for user 'x'. Reason: Could not "
    "find a login matching the name provided. [CLIENT: 198.51.100.40]",
    # "Login attempt failed" inside a URL, and not the line's message
    "Nov 18 06:25:03 host drupal-site: https://example.com|1613063581|user|198.51.100.41|https://example.com/"
    "user/login?x=|&y=|0||Login attempt failed for tester|2||Session revisited for admin.",
    # monit's unknown user with an empty name
    "Nov 18 06:25:03 host monit[5731]: HttpRequest: access denied -- client 198.51.100.42: unknown user ''",
    # the audit record that closes an sshd connection: its failures were counted already
    "type=USER_LOGIN msg=audit(1731911103.000:4063): user pid=1 uid=0 auid=4294967295 ses=4294967295 "
    "msg='op=login acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=? addr=198.51.100.43 terminal=sshd "
    "res=failed'",
])
def test_lines_that_only_look_like_failures_record_nothing(line):
    assert parsed(line).offenders.by_src == {}


def test_a_failure_named_by_connection_is_recorded_against_the_client_of_that_connection():
    lines = [  # slapd: the client when the connection opens, the failed bind later
        "Nov 18 06:25:00 ldap slapd[1183]: conn=1022 fd=21 ACCEPT from IP=198.51.100.70:45011 "
        "(IP=0.0.0.0:636)",
        "Nov 18 06:25:01 ldap slapd[1183]: conn=1023 fd=22 ACCEPT from IP=198.51.100.71:45012 "
        "(IP=0.0.0.0:636)",
        'Nov 18 06:25:02 ldap slapd[1183]: conn=1022 op=1 BIND dn="uid=x,dc=example" method=128',
        "Nov 18 06:25:03 ldap slapd[1183]: conn=1022 op=1 RESULT tag=97 err=49 text=",
        "Nov 18 06:25:03 ldap slapd[1183]: conn=1023 op=1 RESULT tag=97 err=0 text=",
        "Nov 18 06:25:04 ldap slapd[1183]: conn=1022 op=2 RESULT tag=97 err=49 text=",
        # a connection opened before the log began
        "Nov 18 06:25:04 ldap slapd[1183]: conn=9999 op=2 RESULT tag=97 err=49 text=",
        # MongoDB 2.x: the failure first, the client when that connection ends
        "2024-11-18T06:25:05.110+0000 [conn5] Failed to authenticate root@admin with mechanism MONGODB-CR: "
        "AuthenticationFailed UserNotFound Could not find user root@admin",
        "2024-11-18T06:25:06.111+0000 [conn6] end connection 198.51.100.73:53277 (1 connection now open)",
        "2024-11-18T06:25:07.111+0000 [conn5] end connection 198.51.100.72:53276 (0 connections now open)",
        # Mosquitto: no connection id, the refusal is the latest connection's
        "1731911109: New connection from 198.51.100.88:58137 on port 1883.",
        "1731911109: Client <unknown> disconnected, not authorised.",
        # PostgreSQL with log_connections: the backend's pid keys its client (stderr and syslog)
        "2024-11-18 06:25:10.001 UTC [4321] LOG:  connection received: host=198.51.100.96 port=50311",
        "2024-11-18 06:25:10.002 UTC [4321] app@db FATAL:  password authentication failed for user \"app\"",
        "Nov 18 06:25:11 db postgres[77]: [3-1] LOG:  connection received: host=198.51.100.97(40000)",
        'Nov 18 06:25:11 db postgres[77]: [4-1] FATAL:  password authentication failed for user "x"',
        'Nov 18 06:25:12 db postgres[78]: [4-1] FATAL:  password authentication failed for user "y"',
        # Sendmail: unknown recipients, then the envelope of that queue id with none accepted
        "Nov 18 06:25:08 mx sendmail[26254]: rA37ZTSC026254: <x@example.com>... No such user here",
        "Nov 18 06:25:08 mx sendmail[26254]: rA37ZTSC026255: from=<y@example.com>, size=0, class=0, "
        "nrcpts=0, proto=ESMTP, daemon=MTA, relay=ok.example [198.51.100.75]",
        "Nov 18 06:25:09 mx sendmail[26254]: rA37ZTSC026254: from=<x@example.com>, size=0, class=0, "
        "nrcpts=0, bodytype=8BITMIME, proto=ESMTP, daemon=MTA, relay=dsl.example [198.51.100.74]",
    ]
    ctx = ParseContext(reference=REFERENCE)
    outcome = parse_stream(io.BytesIO("\n".join(lines).encode()), ctx=ctx)
    by_src = outcome.offenders.by_src
    assert {src: s.count for src, s in by_src.items()} == {"198.51.100.70": 2, "198.51.100.72": 1,
                                                           "198.51.100.74": 1, "198.51.100.88": 1,
                                                           "198.51.100.96": 1, "198.51.100.97": 1}
    assert by_src["198.51.100.70"].first_seen == T and by_src["198.51.100.70"].ports == {389}
    assert by_src["198.51.100.72"].first_seen == datetime(2024, 11, 18, 6, 25, 7, 111000, tzinfo=UTC)
    assert list(by_src["198.51.100.74"].signatures) == ["sendmail: unknown recipients"]
    assert by_src["198.51.100.88"].first_seen == datetime(2024, 11, 18, 6, 25, 9, tzinfo=UTC)
    assert by_src["198.51.100.97"].ports == {5432} and by_src["198.51.100.97"].source_ports == [40000]


def test_an_axigen_failure_is_recorded_against_the_client_its_session_names_when_opened_or_closed():
    lines = [
        "2024-11-18 06:25:00 +0000 08 mx IMAP:00000A01: [192.0.2.10:993] connection accepted from "
        "[198.51.100.140:50100]",
        "2024-11-18 06:25:01 +0000 08 mx IMAP:00000A02: [192.0.2.10:993] connection accepted from "
        "[198.51.100.141:50101]",
        "2024-11-18 06:25:03 +0000 02 mx IMAP:00000A01: Authentication error for user "
        "'bob@example.com': invalid credentials",
        "2024-11-18 06:25:03 +0000 08 mx IMAP:00000A02: User [carol@example.com] successfully authorized!",
        # a session opened before the log began: its client is named when it closes
        "2024-11-18 06:25:03 +0000 02 mx SMTP-IN:00000B07: Authentication error for user "
        "'x@example.com': Account not found locally",
        "2024-11-18 06:25:04 +0000 08 mx SMTP-IN:00000B07: closing session from [198.51.100.142:50300]",
        "2024-11-18 06:25:04 +0000 08 mx IMAP:00000A02: Closing connection from [198.51.100.141:50101]",
        # webmail behind a proxy: the client it forwards replaces the proxy's address
        "2024-11-18 06:25:04 +0000 08 mx WEBMAIL:00000C01: [192.0.2.10:443] connection accepted from "
        "[192.0.2.254:61000]",
        "2024-11-18 06:25:04 +0000 08 mx WEBMAIL:00000C01: Remote address updated from '192.0.2.254' to "
        "'198.51.100.143'",
        "2024-11-18 06:25:05 +0000 08 mx WEBMAIL:00000C01: <> POST /api/v1/login/cookie HTTP/1.1 u= "
        "code=401 time=12",
        "2024-11-18 06:25:05 +0000 08 mx WEBMAIL:00000C02: [192.0.2.10:443] connection accepted from "
        "[192.0.2.254:61001]",
        "2024-11-18 06:25:05 +0000 08 mx WEBMAIL:00000C02: Remote address updated from '192.0.2.254' to "
        "'198.51.100.144'",
        "2024-11-18 06:25:06 +0000 08 mx WEBMAIL:00000C02: <s1> POST /api/v1/login/cookie HTTP/1.1 "
        "u=dave@example.com code=200 time=2",
    ]
    outcome = parse_stream(io.BytesIO("\n".join(lines).encode()), ctx=ParseContext(reference=REFERENCE))
    by_src = outcome.offenders.by_src
    assert {src: s.count for src, s in by_src.items()} == {"198.51.100.140": 1, "198.51.100.142": 1,
                                                           "198.51.100.143": 1}
    assert by_src["198.51.100.140"].first_seen == T and by_src["198.51.100.140"].source_ports == [50100]
    assert by_src["198.51.100.142"].first_seen == datetime(2024, 11, 18, 6, 25, 4, tzinfo=UTC)
    assert list(by_src["198.51.100.143"].signatures) == ["axigen: webmail login refused"]


def test_connections_remembered_are_bounded(monkeypatch):
    monkeypatch.setattr(services, "MAX_CONNECTIONS", 3)
    lines = [f"Nov 18 06:25:03 ldap slapd[1]: conn={n} fd=1 ACCEPT from IP=198.51.100.{n}:4501 "
             "(IP=0.0.0.0:389)" for n in range(1, 6)]
    lines += [f"Nov 18 06:25:03 ldap slapd[1]: conn={n} op=1 RESULT tag=97 err=49 text=" for n in range(1, 6)]
    ctx = ParseContext(reference=REFERENCE)
    outcome = parse_stream(io.BytesIO("\n".join(lines).encode()), ctx=ctx)
    assert sorted(outcome.offenders.by_src) == ["198.51.100.3", "198.51.100.4", "198.51.100.5"]
    assert len(ctx.state["slapd"]) == 3


@pytest.mark.parametrize("line", [
    "[Mon Nov 18 06:25:03 2024] [error] [client 198.51.100.80] File does not exist: /srv/www/favicon.ico",
    "[Mon Nov 18 06:25:03 2024] [error] [client 198.51.100.81] File does not exist: /srv/www/mailman.css",
    "Nov 18 06:25:03 mx sm-mta[1]: x1: ruleset=check_rcpt, arg1=<a@b.example>, relay=x.example "
    "[198.51.100.82], reject=451 4.7.1 Greylisted, please try again later",
    "2024-11-18 06:25:03 1PLKOW-00046U-EW F=a@b.example H=x.example [198.51.100.83] P=esmtp temporarily "
    "rejected by local_scan(): Temporary local problem",
    "18-11-2024 06:25:03 +0000 PROXY.3128 00000 - 198.51.100.84:28783 0.0.0.0:0 0 0 0 GET http://x/ HTTP/1.1",
    "Nov 18 06:25:03 web drupal: https://x.example|1731911103|page not found|198.51.100.89|https://x.example/"
    "favicon.ico||0||favicon.ico",
    "1731911103: Client <unknown> disconnected, not authorised.",  # no connection named before it
    # a PostgreSQL prefix without the client (%t:%u@%d): its clock is not an address
    '2024-11-18 06:25:03 UTC:x@db:[127]:FATAL:  password authentication failed for user "x"',
    '{"timestamp":"2024-11-18T06:25:03.512+0000","rule":{"level":3,"description":"sshd: authentication '
    'success."},"data":{"srcip":"198.51.100.100"}}',
    # cPanel's successful logins and session lines name the client too
    "[2024-11-18 06:25:03 +0000] info [cpsrvd] 198.51.100.127 - alice - SUCCESS LOGIN cpaneld",
    "[2024-11-18 06:25:03 +0000] info [cpsrvd] 198.51.100.127 NEW alice:x address=198.51.100.127,app=cpaneld",
    # a successful network logon forwarded as text
    "2024 Nov 18 06:25:03 WinEvtLog: Security: AUDIT_SUCCESS(4624): Microsoft-Windows-Security-Auditing: "
    "alice: HOST1: HOST1: An account was successfully logged on. Logon Type: 3 Source Network Address: "
    "198.51.100.128",
    "Nov 18 06:25:03 old rshd[79]: Connection from 198.51.100.129 on port 1021",
    # successful logins of Keycloak, Teleport, Audiobookshelf and Apereo CAS
    "2024-11-18 06:25:03,357 INFO  [org.keycloak.events] (executor-thread-4) type=LOGIN, realmId=main, "
    "clientId=web, userId=x, ipAddress=198.51.100.150, auth_method=openid-connect",
    '{"code":"T1000I","event":"user.login","success":true,"time":"2024-11-18T06:25:03.133Z",'
    '"addr.remote":"198.51.100.151:40100"}',
    '[2024-11-18 06:25:03.192] INFO: [Auth] User "test" logged in from ip 198.51.100.152',
    "2024-11-18 06:25:03,116 INFO [x.Slf4jLoggingAuditTrailManager] - Mon Nov 18 06:25:03 UTC 2024|CAS|"
    "Supplied credentials: [alice]|AUTHENTICATION_SUCCESS|alice|198.51.100.153|192.0.2.5",
    # successes and ordinary requests of the services read from CrowdSec's second batch of hub tests
    "2024-11-18T06:25:03.270Z,MX1\\Default Frontend MX1,08DA0000AAAA0002,8,192.0.2.25:587,"
    "198.51.100.190:50124,>,235 2.7.0 Authentication successful,",
    "I, [2024-11-18T06:25:03.678079 #1]  INFO -- : Successful authentication for 'admin' from "
    "198.51.100.191 at 2024-11-18 06:25:03 UTC",
    "2024/11/18 06:25:03 /api/renew: 401 198.51.100.192 <nil>",
    '[GIN] 2024/11/18 - 06:25:03 | 200 |     412.7µs |  198.51.100.193 | POST     "/client"',
    "[notice] 2024-11-18T06:25:03.373712Z nonode@nohost <0.325.1> 3b0034fcd1 db.example 198.51.100.194 admin "
    "GET /_all_dbs 200 ok 6",
    "INFO:     [RomM][nginx][2024-11-18 06:25:03] 172.18.0.13 | 198.51.100.195 | POST /api/login 200 | 4 | "
    "Firefox | 0.465",
    ' [BACKEND][2024-11-18 06:25:03] 198.51.100.196:0 - "POST /api/user/token-auth/ HTTP/1.1" 200',
    '{"time":"2024-11-18T06:25:03.02Z","level":"DEBUG","message":"HTTP request finished","http_method":"GET",'
    '"http_path":"/alerts/json","tag":"http","visitor_ip":"198.51.100.197"}',
    'INFO:     198.51.100.198:52782 - "POST /login HTTP/1.1" 200 OK',
    # GitLab's successful sign-in: redirected onwards
    '{"method":"POST","path":"/users/sign_in","format":"html","controller":"SessionsController",'
    '"action":"create","status":302,"time":"2024-11-18T06:25:03.195Z","remote_ip":"198.51.100.103"}',
    # an OmniAuth callback that signed the user in: its provider's action, redirected onwards
    '{"method":"POST","path":"/users/auth/saml/callback","format":"html","controller":'
    '"OmniauthCallbacksController","action":"saml","status":302,"time":"2024-11-18T06:25:03Z",'
    '"remote_ip":"198.51.100.105"}',
])
def test_ordinary_misses_greylisting_and_successes_record_nothing(line):
    assert not {s.src for s in parsed(line).offenders.by_src.values() if s.hostile}


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([row[1] for row in LINES]), st.data())
def test_a_service_line_cut_or_garbled_anywhere_never_raises(line, data):
    cut = data.draw(st.integers(0, len(line)))
    noise = data.draw(st.text(max_size=20))
    garbled = line[:cut] + noise + line[cut:]
    ctx = ParseContext(reference=REFERENCE)
    for fmt in services.FORMATS:
        found = fmt.parse_line(garbled, ctx)
        assert found is None or all(r.src for r in found)
