# TEST-ONLY: a JSON-RPC endpoint that knows one method, eth_chainId (the
# one c2d kms serve asks at start), and answers every other call with a
# JSON-RPC error, so that the daemon starts without a chain and every
# decision that reaches the chain is refused ("chain"). Not a node: the
# chain scenarios run against anvil (tests/chain/). Prints its port.
import http.server
import json


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if req.get("method") == "eth_chainId":
            ans = {"jsonrpc": "2.0", "id": req.get("id"), "result": "0x7a69"}
        else:
            ans = {"jsonrpc": "2.0", "id": req.get("id"), "error": {"code": -32601, "message": "stub"}}
        body = json.dumps(ans).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
