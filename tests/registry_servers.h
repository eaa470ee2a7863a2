// Python helper servers written into a test's temp dir: a Bearer token realm for
// docker-registry's token auth, and a flaky blob server (503, dropped connection, Range, redirect).
#pragma once

namespace cocoon::testing {

// argv: port key.pem cert.pem log. Issues ES256 JWTs with an x5c header, as docker-registry's
// token auth expects. Anonymous callers get pull only; alice:secret gets every action asked for;
// other credentials get 401. Logs "token user=<u> scope=<s>" per request.
inline constexpr const char* kTokenServerPy = R"PY(
import base64, json, sys, time, http.server, urllib.parse
from cryptography import x509
from cryptography.hazmat.primitives import serialization, hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
port, key_path, cert_path, log_path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
key = serialization.load_pem_private_key(open(key_path, 'rb').read(), None)
cert = x509.load_pem_x509_certificate(open(cert_path, 'rb').read())
x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b'=').decode()
def log(line):
    with open(log_path, 'a') as f: f.write(line + '\n')
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def log_message(self, *a): pass
    def reply(self, code, body=b''):
        self.send_response(code); self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        auth, user = self.headers.get('Authorization', ''), None
        if auth.startswith('Basic '):
            u, _, p = base64.b64decode(auth[6:]).decode().partition(':')
            if (u, p) != ('alice', 'secret'):
                log('token denied user=' + u); return self.reply(401)
            user = u
        access = []
        for s in q.get('scope', []):
            typ, name, actions = s.split(':', 2)
            access.append({'type': typ, 'name': name,
                           'actions': [a for a in actions.split(',') if a == 'pull' or user]})
        now = int(time.time())
        claims = {'iss': 'cocoon-test-issuer', 'sub': user or '', 'aud': q.get('service', [''])[0],
                  'exp': now + 600, 'nbf': now - 60, 'iat': now, 'jti': str(time.time_ns()),
                  'access': access}
        head = {'typ': 'JWT', 'alg': 'ES256', 'x5c': [x5c]}
        signing = b64u(json.dumps(head).encode()) + '.' + b64u(json.dumps(claims).encode())
        r, s = utils.decode_dss_signature(key.sign(signing.encode(), ec.ECDSA(hashes.SHA256())))
        token = signing + '.' + b64u(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))
        log('token user=%s scope=%s' % (user or 'anonymous', ' '.join(q.get('scope', []))))
        self.reply(200, json.dumps({'token': token}).encode())
srv = http.server.ThreadingHTTPServer(('127.0.0.1', port), H)
print('READY', flush=True)
srv.serve_forever()
)PY";

// argv: port blob-file digest log. Needs Basic credentials on /v2/ (401 with a Basic challenge
// otherwise). GET /v2/r/blobs/<digest>: attempt 1 → 503, attempt 2 → 200 with half the body and
// a dropped connection, later attempts honour "Range: bytes=K-" with 206. GET
// /v2/moved/blobs/<digest> → 307 to http://localhost:<port>/storage/<digest> (another origin),
// which logs whether an Authorization header came along.
inline constexpr const char* kFlakyServerPy = R"PY(
import http.server, socket, sys
port, blob_path, digest, log_path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
data = open(blob_path, 'rb').read()
attempts = [0]
def log(line):
    with open(log_path, 'a') as f: f.write(line + '\n')
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def log_message(self, *a): pass
    def head(self, code, length, extra=()):
        self.send_response(code); self.send_header('Content-Length', str(length))
        for k, v in extra: self.send_header(k, v)
        self.end_headers()
    def do_GET(self):
        auth = self.headers.get('Authorization')
        if self.path.startswith('/storage/'):
            log('storage auth=' + ('yes' if auth else 'no'))
            self.head(200, len(data)); self.wfile.write(data); return
        if not auth:
            return self.head(401, 0, [('WWW-Authenticate', 'Basic realm="flaky"')])
        if self.path == '/v2/':
            return self.head(200, 0)
        if self.path == '/v2/moved/blobs/' + digest:
            return self.head(307, 0, [('Location', 'http://localhost:%d/storage/%s' % (port, digest))])
        if self.path != '/v2/r/blobs/' + digest:
            return self.head(404, 0)
        attempts[0] += 1
        rng = self.headers.get('Range', '')
        log('blob attempt=%d range=%s' % (attempts[0], rng))
        if attempts[0] == 1:
            return self.head(503, 0)
        if attempts[0] == 2:
            self.head(200, len(data)); self.wfile.write(data[:len(data) // 2]); self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR); self.close_connection = True; return
        start = int(rng[len('bytes='):-1]) if rng else 0
        self.head(206, len(data) - start,
                  [('Content-Range', 'bytes %d-%d/%d' % (start, len(data) - 1, len(data)))])
        self.wfile.write(data[start:])
srv = http.server.ThreadingHTTPServer(('127.0.0.1', port), H)
print('READY', flush=True)
srv.serve_forever()
)PY";

}  // namespace cocoon::testing
