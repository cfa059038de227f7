package schema

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/syncctl/syncctl/schema/secret"
)

// functions returns the functions configurations may call. With offline
// set, env() of an unset variable is an unknown string rather than an
// error, so that validate works without the environment.
func functions(lookup func(string) (string, bool), offline bool) map[string]function.Function {
	return map[string]function.Function{
		"env":        envFunc(lookup, offline),
		"file":       fileFunc,
		"encrypted":  encryptedFunc(lookup, offline),
		"abs":        stdlib.AbsoluteFunc,
		"ceil":       stdlib.CeilFunc,
		"chomp":      stdlib.ChompFunc,
		"coalesce":   stdlib.CoalesceFunc,
		"compact":    stdlib.CompactFunc,
		"concat":     stdlib.ConcatFunc,
		"contains":   stdlib.ContainsFunc,
		"csvdecode":  stdlib.CSVDecodeFunc,
		"distinct":   stdlib.DistinctFunc,
		"element":    stdlib.ElementFunc,
		"flatten":    stdlib.FlattenFunc,
		"floor":      stdlib.FloorFunc,
		"format":     stdlib.FormatFunc,
		"formatdate": stdlib.FormatDateFunc,
		"formatlist": stdlib.FormatListFunc,
		"indent":     stdlib.IndentFunc,
		"join":       stdlib.JoinFunc,
		"jsondecode": stdlib.JSONDecodeFunc,
		"jsonencode": stdlib.JSONEncodeFunc,
		"keys":       stdlib.KeysFunc,
		"length":     stdlib.LengthFunc,
		"lookup":     stdlib.LookupFunc,
		"lower":      stdlib.LowerFunc,
		"max":        stdlib.MaxFunc,
		"merge":      stdlib.MergeFunc,
		"min":        stdlib.MinFunc,
		"range":      stdlib.RangeFunc,
		"regex":      stdlib.RegexFunc,
		"regexall":   stdlib.RegexAllFunc,
		"replace":    stdlib.ReplaceFunc,
		"reverse":    stdlib.ReverseListFunc,
		"setunion":   stdlib.SetUnionFunc,
		"slice":      stdlib.SliceFunc,
		"sort":       stdlib.SortFunc,
		"split":      stdlib.SplitFunc,
		"strrev":     stdlib.ReverseFunc,
		"substr":     stdlib.SubstrFunc,
		"timeadd":    stdlib.TimeAddFunc,
		"title":      stdlib.TitleFunc,
		"tolist":     stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"tomap":      stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"tonumber":   stdlib.MakeToFunc(cty.Number),
		"toset":      stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tostring":   stdlib.MakeToFunc(cty.String),
		"trim":       stdlib.TrimFunc,
		"trimprefix": stdlib.TrimPrefixFunc,
		"trimspace":  stdlib.TrimSpaceFunc,
		"trimsuffix": stdlib.TrimSuffixFunc,
		"upper":      stdlib.UpperFunc,
		"values":     stdlib.ValuesFunc,
		"zipmap":     stdlib.ZipmapFunc,
	}
}

func envFunc(lookup func(string) (string, bool), offline bool) function.Function {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	return function.New(&function.Spec{
		Description: "Returns the value of an environment variable.",
		Params:      []function.Parameter{{Name: "name", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			name := args[0].AsString()
			if v, ok := lookup(name); ok {
				return cty.StringVal(v), nil
			}
			if offline {
				return cty.UnknownVal(cty.String), nil
			}
			return cty.NilVal, fmt.Errorf("environment variable %s is not set; export it before running this command", name)
		},
	})
}

// encryptedFunc decrypts a value made by `syncctl encrypt` with the key
// from SYNCCTL_KEY or the key file, loaded on first use. The plaintext
// is marked sensitive. Offline, without a key, the result is an unknown
// sensitive string; a malformed value is an error even then.
func encryptedFunc(lookup func(string) (string, bool), offline bool) function.Function {
	var (
		once   sync.Once
		key    *secret.Key
		keyErr error
	)
	return function.New(&function.Spec{
		Description: "Decrypts a value encrypted with syncctl encrypt; the result is sensitive.",
		Params: []function.Parameter{{Name: "ciphertext", Type: cty.String,
			AllowUnknown: true, AllowMarked: true}},
		Type: function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			arg, _ := args[0].UnmarkDeep()
			unknown := cty.UnknownVal(cty.String).Mark(SensitiveMark)
			if !arg.IsKnown() {
				return unknown, nil
			}
			if arg.IsNull() {
				return cty.NilVal, function.NewArgErrorf(0, "the value is null; give the text printed by syncctl encrypt")
			}
			text := arg.AsString()
			if err := secret.Check(text); err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			once.Do(func() { key, keyErr = secret.LoadKey(lookup) })
			if keyErr != nil {
				if offline && errors.Is(keyErr, secret.ErrNoKey) {
					return unknown, nil
				}
				return cty.NilVal, function.NewArgErrorf(0, "cannot decrypt value: %s", keyErr)
			}
			plain, err := key.Open(text)
			if err != nil {
				return cty.NilVal, function.NewArgErrorf(0, "cannot decrypt value: %s", err)
			}
			if !utf8.Valid(plain) {
				return cty.NilVal, function.NewArgErrorf(0, "the decrypted value is not UTF-8 text")
			}
			return cty.StringVal(string(plain)).Mark(SensitiveMark), nil
		},
	})
}

// fileFunc reads a file, relative to the configuration directory (the
// working directory after --chdir), as a UTF-8 string.
var fileFunc = function.New(&function.Spec{
	Description: "Returns the contents of a file.",
	Params:      []function.Parameter{{Name: "path", Type: cty.String}},
	Type:        function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		b, err := os.ReadFile(args[0].AsString())
		if err != nil {
			return cty.NilVal, fmt.Errorf("read file: %w", err)
		}
		if !utf8.Valid(b) {
			return cty.NilVal, fmt.Errorf("%s is not valid UTF-8", args[0].AsString())
		}
		return cty.StringVal(string(b)), nil
	},
})
