# TEST-ONLY: one HTTP request to c2d kms serve, for tests/host/kms.sh.
# Usage: kms_http.py PORT METHOD PATH [BODY | --declare N]
# --declare N sends the header Content-Length: N and no body (the daemon
# must answer 413 from the header alone). Prints the status, then the body.
import http.client
import sys

port, method, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
if len(sys.argv) > 5 and sys.argv[4] == "--declare":
    c.putrequest(method, path)
    c.putheader("Content-Type", "application/json")
    c.putheader("Content-Length", sys.argv[5])
    c.endheaders()
else:
    body = sys.argv[4].encode() if len(sys.argv) > 4 else None
    c.request(method, path, body=body, headers={"Content-Type": "application/json"})
r = c.getresponse()
print(r.status)
print(r.getheader("Content-Type"))
print(r.read().decode())
