/**
 * A throwaway self-signed certificate for localhost/127.0.0.1, made with the
 * openssl CLI. Returns undefined when openssl is not installed, so TLS tests
 * can skip themselves with a reason.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const opensslPath = ["/usr/bin/openssl", "/usr/local/bin/openssl", "/opt/homebrew/bin/openssl"].find(existsSync);

/** True when the openssl CLI was found. */
export const hasOpenssl = opensslPath !== undefined;

/** PEM certificate and key; the certificate is also the CA to trust. */
export function createSelfSignedCert(): { cert: string; key: string } | undefined {
  if (opensslPath === undefined) return undefined;
  const directory = mkdtempSync(join(tmpdir(), "switchyard-cert-"));
  try {
    const keyPath = join(directory, "key.pem");
    const certPath = join(directory, "cert.pem");
    execFileSync(
      opensslPath,
      [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", keyPath, "-out", certPath, "-days", "1", "-subj", "/CN=localhost",
        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      ],
      { stdio: "pipe" },
    );
    return { cert: readFileSync(certPath, "utf8"), key: readFileSync(keyPath, "utf8") };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
