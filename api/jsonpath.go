package api

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// typeErrorField names the field of an UnmarshalTypeError as the 422s name fields, with the
// index of each array on the way (accounts[0].handle): encoding/json reports the path by
// names only (accounts.handle), which does not say which element is wrong. The path is found
// by reading raw's tokens up to the error's offset; when that walk does not end on the field
// encoding/json named (a value it reports at another offset), its name is kept as it is.
func typeErrorField(raw []byte, e *json.UnmarshalTypeError) string {
	if e.Field == "" || !strings.Contains(string(raw), "[") {
		return e.Field
	}
	if p := pathAt(raw, e.Offset); stripIndexes(p) == e.Field {
		return p
	}
	return e.Field
}

// pathAt is the path of the value that ends at or first passes offset in raw, a JSON object:
// keys joined by dots, array elements by their index ("offer.deliverables[1].platform").
func pathAt(raw []byte, offset int64) string {
	type frame struct {
		array   bool
		index   int
		key     string
		wantKey bool
	}
	var stack []frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			switch {
			case f.array:
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
			case f.key != "":
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			}
		}
		return b.String()
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		delim, isDelim := tok.(json.Delim)
		if n := len(stack); n > 0 {
			top := &stack[n-1]
			if !top.array && top.wantKey && !(isDelim && delim == '}') {
				top.key, _ = tok.(string) // keys are strings in any JSON the decoder reads
				top.wantKey = false
				continue
			}
			if top.array && !(isDelim && delim == ']') {
				top.index++
			}
		}
		switch {
		case isDelim && (delim == '{' || delim == '['):
			if dec.InputOffset() >= offset {
				return path() // a container where a scalar belongs
			}
			stack = append(stack, frame{array: delim == '[', index: -1, wantKey: delim == '{'})
			continue
		case isDelim: // the end of a container: it is the value its parent waited for
			if len(stack) == 0 {
				return ""
			}
			stack = stack[:len(stack)-1]
		default:
			if dec.InputOffset() >= offset {
				return path()
			}
		}
		if n := len(stack); n > 0 && !stack[n-1].array {
			stack[n-1].wantKey = true
		}
		if len(stack) == 0 {
			return ""
		}
	}
}

// stripIndexes drops the array indexes from a path: what encoding/json names.
func stripIndexes(path string) string {
	var b strings.Builder
	skip := false
	for _, r := range path {
		switch {
		case r == '[':
			skip = true
		case r == ']':
			skip = false
		case !skip:
			b.WriteRune(r)
		}
	}
	return b.String()
}
