// Interop helper for cocoon's jose tests: an independent JOSE implementation (npm `jose` v6).
// It trusts nothing it is given; every failure exits non-zero with the reason on stderr.
//
//   node jose_helper.mjs generate <alg> [crv]                 -> {"private":JWK,"public":JWK}
//   node jose_helper.mjs encrypt <jwk-file> <alg> [opts-json]  stdin plaintext -> JWE
//        opts: {"compact":true} for compact output, {"apu":"<b64url>","apv":"<b64url>"} for ECDH-ES
//   node jose_helper.mjs decrypt <jwk-file> <alg>              stdin JWE (flattened or compact)
//                                                              -> plaintext
//   node jose_helper.mjs sign <jwk-file> <alg>                 stdin payload -> compact JWS
//   node jose_helper.mjs verify <jwk-file> <alg>               stdin compact JWS -> payload
//
// Exit status: 0 success, 1 JOSE/crypto failure, 2 usage error.
import { readFileSync } from 'node:fs';
import * as jose from 'jose';

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function loadKey(file, alg) {
  const jwk = JSON.parse(readFileSync(file, 'utf8'));
  return jose.importJWK(jwk, alg);
}

async function generate(alg, crv) {
  const options = { extractable: true };
  if (crv) options.crv = crv;
  if (alg.startsWith('RS') || alg.startsWith('PS') || alg.startsWith('RSA')) {
    options.modulusLength = 2048;
  }
  const { publicKey, privateKey } = await jose.generateKeyPair(alg, options);
  const pub = await jose.exportJWK(publicKey);
  const priv = await jose.exportJWK(privateKey);
  return JSON.stringify({ private: priv, public: pub });
}

async function encrypt(file, alg, opts) {
  const key = await loadKey(file, alg);
  const plaintext = await readStdin();
  const header = { alg, enc: 'A256GCM' };
  const params = {};
  if (opts.apu) params.apu = jose.base64url.decode(opts.apu);
  if (opts.apv) params.apv = jose.base64url.decode(opts.apv);
  if (opts.compact) {
    const enc = new jose.CompactEncrypt(plaintext).setProtectedHeader(header);
    if (Object.keys(params).length) enc.setKeyManagementParameters(params);
    return enc.encrypt(key);
  }
  const enc = new jose.FlattenedEncrypt(plaintext).setProtectedHeader(header);
  if (Object.keys(params).length) enc.setKeyManagementParameters(params);
  return JSON.stringify(await enc.encrypt(key));
}

async function decrypt(file, alg) {
  const key = await loadKey(file, alg);
  const input = (await readStdin()).toString('utf8').trim();
  const options = { keyManagementAlgorithms: [alg], contentEncryptionAlgorithms: ['A256GCM'] };
  const result = input.startsWith('{')
    ? await jose.flattenedDecrypt(JSON.parse(input), key, options)
    : await jose.compactDecrypt(input, key, options);
  return Buffer.from(result.plaintext);
}

async function sign(file, alg) {
  const key = await loadKey(file, alg);
  const payload = await readStdin();
  return new jose.CompactSign(payload).setProtectedHeader({ alg }).sign(key);
}

async function verify(file, alg) {
  const key = await loadKey(file, alg);
  const token = (await readStdin()).toString('utf8').trim();
  const result = await jose.compactVerify(token, key, { algorithms: [alg] });
  return Buffer.from(result.payload);
}

async function main(argv) {
  const [command, a, b, c] = argv;
  switch (command) {
    case 'generate':
      if (!a) break;
      return generate(a, b);
    case 'encrypt':
      if (!a || !b) break;
      return encrypt(a, b, c ? JSON.parse(c) : {});
    case 'decrypt':
      if (!a || !b) break;
      return decrypt(a, b);
    case 'sign':
      if (!a || !b) break;
      return sign(a, b);
    case 'verify':
      if (!a || !b) break;
      return verify(a, b);
    default:
      break;
  }
  process.stderr.write('usage: jose_helper.mjs generate|encrypt|decrypt|sign|verify ...\n');
  process.exit(2);
}

try {
  const out = await main(process.argv.slice(2));
  process.stdout.write(out);
} catch (e) {
  process.stderr.write(`${e.code ?? 'ERROR'}: ${e.message}\n`);
  process.exit(1);
}
