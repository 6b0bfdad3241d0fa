// A tiny web app: says hello, and answers a health check.
const http = require("node:http");

const port = Number(process.env.PORT || 3000);
const name = process.env.NAME || "World";

const server = http.createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ status: "ok" }));
    return;
  }
  res.writeHead(200, { "Content-Type": "text/plain" });
  res.end(`Hello, ${name}!\n`);
});

server.listen(port, () => console.log(`listening on ${port}`));
// docker stop sends SIGTERM: finish the requests under way, then leave
process.on("SIGTERM", () => server.close(() => process.exit(0)));
