// Package secret encrypts values kept in configuration files and on
// disk: the ciphertexts that `syncctl encrypt` prints and the
// configuration's encrypted() function opens, and the OAuth 2.0 tokens a
// source persists between runs.
//
// A ciphertext is the text "syncctl:v1:" followed by unpadded base64url
// of a 4-byte key identifier, a 24-byte random nonce and the
// XChaCha20-Poly1305 sealed value. The key identifier lets a wrong key be
// told apart from a damaged value; it reveals nothing about the key. The
// prefix and the identifier are authenticated with the value.
//
// The key is 32 random bytes, read as base64 from the SYNCCTL_KEY
// environment variable or from a key file (SYNCCTL_KEY_FILE, by default
// key in the syncctl directory of the user's configuration directory).
//
// The package imports none of syncctl's packages, so that the schema and
// the connectors can both use it.
package secret
