import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface CertPair {
  cert: string;
  key: string;
  certPem: string;
  keyPem: string;
}

export interface Pki {
  ca: CertPair;
  /** A certificate signed by the CA. `sans` are DNS names or IPs; `org` becomes O= (groups for Kubernetes). */
  issue(name: string, opts: { cn: string; org?: string; sans?: string[]; client?: boolean }): CertPair;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function pair(dir: string, name: string): CertPair {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  return { cert, key, certPem: readFileSync(cert, "utf8"), keyPem: readFileSync(key, "utf8") };
}

/** A throw-away certificate authority in `dir`, made with the openssl command. */
export function createPki(dir: string, caName = "kubedump-testenv-ca"): Pki {
  openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "30",
      "-subj",
      `/CN=${caName}`,
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
    ],
    dir,
  );
  const ca = pair(dir, "ca");
  return {
    ca,
    issue(name, opts) {
      const subj = `${opts.org ? `/O=${opts.org}` : ""}/CN=${opts.cn}`;
      const ext = [
        "basicConstraints=CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        `extendedKeyUsage=${opts.client ? "clientAuth" : "serverAuth,clientAuth"}`,
      ];
      if (opts.sans?.length) {
        const sans = opts.sans.map((s) => (/^[\d.]+$|:/.test(s) ? `IP:${s}` : `DNS:${s}`));
        ext.push(`subjectAltName=${sans.join(",")}`);
      }
      writeFileSync(join(dir, `${name}.ext`), `${ext.join("\n")}\n`);
      openssl(
        ["req", "-newkey", "rsa:2048", "-nodes", "-subj", subj, "-keyout", `${name}.key`, "-out", `${name}.csr`],
        dir,
      );
      openssl(
        [
          "x509",
          "-req",
          "-in",
          `${name}.csr`,
          "-CA",
          "ca.crt",
          "-CAkey",
          "ca.key",
          "-CAcreateserial",
          "-days",
          "30",
          "-extfile",
          `${name}.ext`,
          "-out",
          `${name}.crt`,
        ],
        dir,
      );
      return pair(dir, name);
    },
  };
}
