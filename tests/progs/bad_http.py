#!/usr/bin/python3
"""A misbehaving HTTP server on 127.0.0.1 for tests/integration/web_fetch_badinput.sh.

Prints its port, then serves until stdin closes (or 300 s pass):
  /loop       302 to itself, forever
  /trunc      a gzip body cut in half (Content-Encoding: none; the bytes are a
              .pb.gz file's first half)
  /notgz      200 with text that is no profile
  /big        a body of SIZE bytes (query ?n=SIZE) of zeros, streamed
  /slow       headers, then nothing for 5 s, then the connection closes
  /mute       reads the request and never answers (30 s, then closes)
Usage: bad_http.py PROFILE
"""
import http.server, socketserver, sys, threading, time

data = open(sys.argv[1], "rb").read()

class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        path, _, q = self.path.partition("?")
        if path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/trunc":
            body = data[: len(data) // 2]
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif path == "/notgz":
            body = b"this is not a profile\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif path == "/big":
            n = int(q.split("=", 1)[1]) if q.startswith("n=") else 1 << 20
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            chunk = b"\0" * (1 << 20)
            try:
                while n > 0:
                    k = min(n, len(chunk))
                    self.wfile.write(chunk[:k])
                    n -= k
            except OSError:
                pass
        elif path == "/mute":
            time.sleep(30)
        elif path == "/slow":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.flush()
            time.sleep(5)
        else:
            self.send_response(404)
            self.end_headers()

class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

srv = S(("127.0.0.1", 0), H)
print(srv.server_address[1], flush=True)
threading.Thread(target=srv.serve_forever, daemon=True).start()
t0 = time.time()
while time.time() - t0 < 300 and sys.stdin.read(1):
    pass
