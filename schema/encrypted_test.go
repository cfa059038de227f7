package schema

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/syncctl/syncctl/schema/secret"
)

func TestEncryptedFunction(t *testing.T) {
	key, err := secret.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	ct, _ := key.Seal([]byte("hunter2"))
	other, _ := secret.NewKey()
	env := func(m map[string]string) func(string) (string, bool) {
		return func(name string) (string, bool) {
			v, ok := m[name]
			return v, ok
		}
	}
	noKey := env(map[string]string{"XDG_CONFIG_HOME": t.TempDir()})
	withKey := env(map[string]string{secret.KeyEnv: key.Encode()})
	wrongKey := env(map[string]string{secret.KeyEnv: other.Encode()})

	tests := []struct {
		name    string
		lookup  func(string) (string, bool)
		offline bool
		arg     cty.Value
		want    cty.Value // compared unmarked; the result must be marked
		err     string
	}{
		{"decrypts", withKey, false, cty.StringVal(ct), cty.StringVal("hunter2"), ""},
		{"decrypts offline", withKey, true, cty.StringVal(ct), cty.StringVal("hunter2"), ""},
		{"offline without a key", noKey, true, cty.StringVal(ct), cty.UnknownVal(cty.String), ""},
		{"unknown argument", withKey, false, cty.UnknownVal(cty.String), cty.UnknownVal(cty.String), ""},
		{"without a key", noKey, false, cty.StringVal(ct), cty.NilVal, "cannot decrypt value: no key"},
		{"wrong key", wrongKey, false, cty.StringVal(ct), cty.NilVal,
			"cannot decrypt value: the key in SYNCCTL_KEY does not match the one this value was encrypted with"},
		{"wrong key offline", wrongKey, true, cty.StringVal(ct), cty.NilVal, "does not match"},
		{"damaged", withKey, false, cty.StringVal(ct[:len(ct)-2] + "xx"), cty.NilVal, "damaged"},
		{"plaintext", noKey, true, cty.StringVal("hunter2"), cty.NilVal, "not encrypted by syncctl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := functions(tt.lookup, tt.offline)["encrypted"]
			got, err := f.Call([]cty.Value{tt.arg})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("encrypted() error = %v; want %q", err, tt.err)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error shows the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.HasMark(SensitiveMark) {
				t.Errorf("encrypted() = %#v; want it marked sensitive", got)
			}
			v, _ := got.Unmark()
			if !v.RawEquals(tt.want) {
				t.Errorf("encrypted() = %#v; want %#v", v, tt.want)
			}
		})
	}
}
