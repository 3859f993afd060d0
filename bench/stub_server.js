// The round trip bench's stub JSON-RPC server, in Node.js with no dependencies.
//
// Why not Python: on a machine where client and server share a CPU core, a server built on
// `websockets` runs the same library code as a client built on it, so whichever client
// shares the most code with the server leaves the server's caches warm (measured: the
// stub's CPU per request was 3.5 us lower after the hand-written `websockets` client than
// after nova's). A real server is on another machine; this one shares no user-space code
// with any client measured (docs/performance.md, "Request round trip, fourth round").
//
// What it speaks: the opening handshake (RFC 6455 section 4.2), masked client frames in,
// unmasked frames out, fragments, ping -> pong, close -> close with the same code. Each
// text message is a JSON-RPC request: `public/get_time` answers an int,
// `public/subscribe` its channels, any other method "ok"; one without an id gets nothing.
// It prints its port on the first line of stdout, then `cost SECONDS REPLIES` for each
// connection that ends (its CPU time meanwhile), and runs until its stdin closes (the
// bench that started it ended, however it ended) or it is killed.
"use strict";

const crypto = require("crypto");
const net = require("net");

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

function frame(opcode, payload) {
  const n = payload.length;
  let head;
  if (n < 126) {
    head = Buffer.from([0x80 | opcode, n]);
  } else if (n < 65536) {
    head = Buffer.from([0x80 | opcode, 126, n >> 8, n & 255]);
  } else {
    head = Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, payload]);
}

function answer(text) {
  const request = JSON.parse(text);
  if (request === null || typeof request !== "object" || !("id" in request)) return null;
  let result = "ok";
  if (request.method === "public/get_time") result = 1700000000000;
  else if (request.method === "public/subscribe") result = request.params.channels;
  return JSON.stringify({ jsonrpc: "2.0", id: request.id, result });
}

function serve(socket) {
  socket.setNoDelay(true);
  const started = process.cpuUsage();
  let replies = 0;
  socket.on("close", () => {
    // The server's CPU time while this connection lasted, per the bench's server_cost.py.
    const used = process.cpuUsage(started);
    process.stdout.write(`cost ${(used.user + used.system) / 1e6} ${replies}\n`);
  });
  let buffer = Buffer.alloc(0);
  let open = false;
  let fragments = [];
  let fragmentOpcode = 0;

  function handshake() {
    const end = buffer.indexOf("\r\n\r\n");
    if (end < 0) return false;
    const head = buffer.subarray(0, end).toString("latin1");
    buffer = buffer.subarray(end + 4);
    const key = /^sec-websocket-key:\s*(\S+)\s*$/im.exec(head);
    if (key === null) {
      socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
      return false;
    }
    const accept = crypto.createHash("sha1").update(key[1] + GUID).digest("base64");
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    open = true;
    return true;
  }

  function message(opcode, payload) {
    if (opcode === 1) {
      const reply = answer(payload.toString("utf8"));
      if (reply !== null) {
        replies += 1;
        socket.write(frame(1, Buffer.from(reply)));
      }
    } else if (opcode === 8) {
      socket.end(frame(8, payload.subarray(0, 2)));
    } else if (opcode === 9) {
      socket.write(frame(10, payload));
    }
  }

  function frames() {
    while (buffer.length >= 2) {
      const fin = (buffer[0] & 0x80) !== 0;
      const opcode = buffer[0] & 0x0f;
      const masked = (buffer[1] & 0x80) !== 0;
      let length = buffer[1] & 0x7f;
      let at = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (buffer.length < 10) return;
        length = Number(buffer.readBigUInt64BE(2));
        at = 10;
      }
      const mask = masked ? buffer.subarray(at, at + 4) : null;
      if (masked) at += 4;
      if (buffer.length < at + length) return;
      const payload = Buffer.from(buffer.subarray(at, at + length));
      buffer = buffer.subarray(at + length);
      if (mask !== null) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
      if (opcode === 0 || (opcode < 8 && !fin)) {
        if (opcode !== 0) fragmentOpcode = opcode; // the first fragment names the message type
        fragments.push(payload);
        if (!fin) continue;
        const whole = Buffer.concat(fragments);
        fragments = [];
        message(fragmentOpcode, whole);
      } else {
        message(opcode, payload);
      }
    }
  }

  socket.on("data", (data) => {
    buffer = buffer.length ? Buffer.concat([buffer, data]) : data;
    if (!open && !handshake()) return;
    frames();
  });
  socket.on("error", () => socket.destroy());
}

const server = net.createServer(serve);
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
