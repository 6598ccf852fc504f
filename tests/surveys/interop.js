// Interoperability helper for test_interop.py: libsodium-wrappers as the browser uses it.
//   node interop.js seal PUBLIC_KEY_B64 JSON BLOCK_SIZE   -> sealed answer (base64)
//   node interop.js open PUBLIC_KEY_B64 SECRET_KEY_B64 SEALED_B64 -> the unpadded JSON
// Exits 2 when a sealed answer does not open.
"use strict";
const path = require("path");
const sodium = require(path.join(__dirname, "..", "..", "surveys", "node_modules", "libsodium-wrappers"));

sodium.ready.then(() => {
  const [mode, ...args] = process.argv.slice(2);
  const b64 = sodium.base64_variants.ORIGINAL;
  if (mode === "seal") {
    const [pk, json, block] = args;
    const padded = sodium.pad(sodium.from_string(json), parseInt(block, 10));
    const sealed = sodium.crypto_box_seal(padded, sodium.from_base64(pk, b64));
    process.stdout.write(sodium.to_base64(sealed, b64));
  } else if (mode === "open") {
    const [pk, sk, sealed] = args;
    let plain;
    try {
      plain = sodium.crypto_box_seal_open(
        sodium.from_base64(sealed, b64), sodium.from_base64(pk, b64), sodium.from_base64(sk, b64));
    } catch (e) {
      process.stderr.write("rejected\n");
      process.exit(2);
    }
    process.stdout.write(sodium.to_string(sodium.unpad(plain, 256)));
  } else {
    process.exit(64);
  }
});
