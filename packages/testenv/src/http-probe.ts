import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";

export interface TlsClient {
  ca?: string;
  cert?: string;
  key?: string;
  /** false for a server whose self-signed certificate no CA vouches for. */
  rejectUnauthorized?: boolean;
}

/** Status code of a GET, or 0 when the server does not answer. */
export function probeStatus(url: string, tls: TlsClient = {}, timeoutMs = 2000): Promise<number> {
  return new Promise((done) => {
    const u = new URL(url);
    const req = (u.protocol === "https:" ? httpsRequest : httpRequest)(
      u,
      { method: "GET", timeout: timeoutMs, ...tls },
      (res) => {
        res.resume();
        res.on("end", () => done(res.statusCode ?? 0));
      },
    );
    req.on("timeout", () => req.destroy());
    req.on("error", () => done(0));
    req.end();
  });
}

/** Sends a Redis PING over a raw socket and resolves true on +PONG. */
export function redisPing(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.setTimeout(2000);
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      done(chunk.toString().startsWith("+PONG"));
      socket.destroy();
    });
    socket.on("timeout", () => socket.destroy());
    socket.on("error", () => done(false));
    socket.on("close", () => done(false));
  });
}
