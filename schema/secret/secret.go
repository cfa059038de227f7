package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"
)

// Prefix starts every ciphertext of this format version.
const Prefix = "syncctl:v1:"

// KeySize is the length of a key in bytes.
const KeySize = chacha20poly1305.KeySize

const idSize = 4

// Errors that Open and Check return, wrapped in an *Error.
var (
	// ErrFormat means the text is not a ciphertext of this format.
	ErrFormat = errors.New("not a syncctl ciphertext")
	// ErrWrongKey means the value was encrypted with another key.
	ErrWrongKey = errors.New("wrong key")
	// ErrDamaged means the value fails its integrity check: it was
	// changed or cut after it was encrypted.
	ErrDamaged = errors.New("damaged ciphertext")
	// ErrNoKey means no key is configured.
	ErrNoKey = errors.New("no key")
)

// Error explains a failure to decrypt, or to find the key, in words
// for users; Unwrap returns one of the Err values.
type Error struct {
	Kind error
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns the kind of failure.
func (e *Error) Unwrap() error { return e.Kind }

// Key is a secret key. Its String method hides it.
type Key struct {
	bytes [KeySize]byte
	id    [idSize]byte
	from  string
}

// NewKey returns a new random key.
func NewKey() (*Key, error) {
	var b [KeySize]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return newKey(b, "a new key"), nil
}

func newKey(b [KeySize]byte, from string) *Key {
	k := &Key{bytes: b, from: from}
	sum := sha256.Sum256(append([]byte("syncctl key id v1\x00"), b[:]...))
	copy(k.id[:], sum[:idSize])
	return k
}

// ParseKey decodes a key written as base64 (standard or URL alphabet,
// padded or not). from says where the text came from, for messages:
// "SYNCCTL_KEY" or "key file /path".
func ParseKey(text, from string) (*Key, error) {
	text = strings.TrimSpace(text)
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding,
		base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err = enc.DecodeString(text); err == nil {
			break
		}
	}
	if err != nil || len(raw) != KeySize {
		return nil, &Error{Kind: ErrFormat, Msg: fmt.Sprintf("the key in "+
			"%s is not the base64 text of %d bytes; create one with "+
			"syncctl encrypt --new-key", from, KeySize)}
	}
	var b [KeySize]byte
	copy(b[:], raw)
	return newKey(b, from), nil
}

// Encode returns the key as base64 text, as key files hold it.
func (k *Key) Encode() string {
	return base64.StdEncoding.EncodeToString(k.bytes[:])
}

// From says where the key came from, for messages.
func (k *Key) From() string { return k.from }

// String hides the key.
func (k *Key) String() string { return "(key from " + k.from + ")" }

// GoString hides the key from %#v.
func (k *Key) GoString() string { return k.String() }

// Seal encrypts plaintext and returns the ciphertext text.
func (k *Key) Seal(plaintext []byte) (string, error) {
	aead, err := chacha20poly1305.NewX(k.bytes[:])
	if err != nil {
		return "", err
	}
	buf := make([]byte, idSize+aead.NonceSize(),
		idSize+aead.NonceSize()+len(plaintext)+aead.Overhead())
	copy(buf, k.id[:])
	nonce := buf[idSize:]
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("generate nonce: %w", err)
	}
	out := aead.Seal(buf, nonce, plaintext, k.additional())
	return Prefix + base64.RawURLEncoding.EncodeToString(out), nil
}

// additional is the data authenticated with every value: the format
// and the key identifier.
func (k *Key) additional() []byte {
	return append([]byte(Prefix), k.id[:]...)
}

// Open decrypts a ciphertext made by Seal. Errors are *Error, of kind
// ErrFormat, ErrWrongKey or ErrDamaged.
func (k *Key) Open(text string) ([]byte, error) {
	raw, err := decode(text)
	if err != nil {
		return nil, err
	}
	if string(raw[:idSize]) != string(k.id[:]) {
		return nil, &Error{Kind: ErrWrongKey, Msg: fmt.Sprintf("the key "+
			"in %s does not match the one this value was encrypted with",
			k.from)}
	}
	aead, err := chacha20poly1305.NewX(k.bytes[:])
	if err != nil {
		return nil, err
	}
	nonce := raw[idSize : idSize+aead.NonceSize()]
	plain, err := aead.Open(nil, nonce, raw[idSize+aead.NonceSize():],
		k.additional())
	if err != nil {
		return nil, damaged("it fails its integrity check")
	}
	return plain, nil
}

// Check reports whether text is well-formed, without a key.
func Check(text string) error {
	_, err := decode(text)
	return err
}

// minSize is the length of the smallest ciphertext: identifier, nonce
// and tag around an empty value.
const minSize = idSize + chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead

func decode(text string) ([]byte, error) {
	body, ok := strings.CutPrefix(strings.TrimSpace(text), Prefix)
	if !ok {
		return nil, &Error{Kind: ErrFormat, Msg: fmt.Sprintf("the value "+
			"is not encrypted by syncctl: it must start with %q, as "+
			"printed by syncctl encrypt", Prefix)}
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return nil, damaged("it is not valid base64")
	}
	if len(raw) < minSize {
		return nil, damaged("it is too short")
	}
	return raw, nil
}

func damaged(why string) error {
	return &Error{Kind: ErrDamaged, Msg: "the encrypted value is damaged (" +
		why + "); copy it again from the output of syncctl encrypt"}
}
