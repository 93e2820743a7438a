import type { AwsCredentials } from "./aws-credentials.js";

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** The text of the first `<tag>` element of an STS answer (its XML is flat and small), entities decoded. */
export function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return match?.[1]?.replace(/&(lt|gt|amp|quot|apos);/g, (_, name: string) => ENTITIES[name] ?? "").trim();
}

/** The credentials of a successful AssumeRole* answer; undefined when it holds none. */
export function credentialsOfStsAnswer(xml: string): AwsCredentials | undefined {
  const accessKey = xmlText(xml, "AccessKeyId");
  const secretKey = xmlText(xml, "SecretAccessKey");
  if (!accessKey || !secretKey) return undefined;
  const expiration = xmlText(xml, "Expiration");
  return {
    accessKey,
    secretKey,
    sessionToken: xmlText(xml, "SessionToken") || undefined,
    expiration: expiration ? new Date(expiration) : undefined,
  };
}

/** `Code: Message` of an STS error answer, or the HTTP status when it has none. */
export function stsErrorOf(status: number, xml: string): { code: string; message: string } {
  const code = xmlText(xml, "Code") ?? `HTTP ${status}`;
  return { code, message: xmlText(xml, "Message") ?? "" };
}

interface Claims {
  iss?: unknown;
  sub?: unknown;
  aud?: unknown;
  exp?: unknown;
}

/**
 * What a JWT says about itself, for a message: issuer, subject, audience and expiry. These are the
 * claims the token's holder may know; the token itself (and its signature) is never shown.
 */
export function describeJwt(token: string, now: Date): string {
  const payload = token.split(".")[1];
  let claims: Claims;
  try {
    if (token.split(".").length !== 3 || !payload) throw new Error("not three parts");
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Claims;
    if (typeof claims !== "object" || claims === null) throw new Error("not an object");
  } catch {
    return "it is not a JWT (three base64url parts, the second a JSON object)";
  }
  const parts: string[] = [];
  if (typeof claims.iss === "string") parts.push(`issuer ${claims.iss}`);
  if (typeof claims.sub === "string") parts.push(`subject ${claims.sub}`);
  const aud = Array.isArray(claims.aud) ? claims.aud.join(", ") : claims.aud;
  parts.push(typeof aud === "string" ? `audience ${aud}` : "no audience");
  if (typeof claims.exp === "number") {
    const exp = new Date(claims.exp * 1000);
    parts.push(exp <= now ? `EXPIRED at ${exp.toISOString()}` : `expires ${exp.toISOString()}`);
  }
  return `the token has ${parts.join(", ")}`;
}
