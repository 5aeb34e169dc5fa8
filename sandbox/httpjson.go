package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// maxBodyBytes bounds request bodies; contract documents are the largest thing sent here.
const maxBodyBytes = 1 << 20

// apiError is an HTTP failure answered as {"error":{"message":...}}, the shape the provider
// clients read their error message from.
type apiError struct {
	status  int
	message string
}

func (e *apiError) Error() string { return e.message }

func errorf(status int, message string) *apiError {
	return &apiError{status: status, message: message}
}

type errorBody struct {
	Error struct {
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, e *apiError) {
	var b errorBody
	b.Error.Message = e.message
	writeJSON(w, e.status, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		// Only sandbox-owned types are encoded here, so this is a programming error; answer
		// 500 rather than a truncated body.
		http.Error(w, `{"error":{"message":"internal error"}}`, http.StatusInternalServerError)
		return
	}
	writeRawJSON(w, status, data)
}

func writeRawJSON(w http.ResponseWriter, status int, data []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
	_, _ = w.Write([]byte{'\n'})
}

// readBody reads the whole request body within maxBodyBytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, errorf(http.StatusRequestEntityTooLarge, "request body too large")
		}
		return nil, errorf(http.StatusBadRequest, "could not read request body")
	}
	return data, nil
}

// decodeStrict decodes a control-endpoint body: unknown fields are refused because they are
// almost always a typo by a person driving the sandbox by hand.
func decodeStrict(data []byte, v any) *apiError {
	return decode(data, v, true)
}

// decodeLenient decodes a provider-API body: like the real providers, unknown fields are
// ignored so a client can send more than the sandbox models.
func decodeLenient(data []byte, v any) *apiError {
	return decode(data, v, false)
}

// decode maps JSON problems onto the API conventions: unparsable input is 400, well-formed JSON
// with fields of the wrong type or name is 422.
func decode(data []byte, v any, strict bool) *apiError {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return errorf(http.StatusBadRequest, "request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typeErr):
			field := typeErr.Field
			if field == "" {
				field = "body"
			}
			return errorf(http.StatusUnprocessableEntity, field+": must be "+jsonKind(typeErr.Type.Kind().String()))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return errorf(http.StatusUnprocessableEntity, strings.TrimPrefix(err.Error(), "json: ")+" is not accepted")
		default:
			return errorf(http.StatusBadRequest, "malformed JSON")
		}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errorf(http.StatusBadRequest, "malformed JSON: trailing data after the object")
	}
	return nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	default:
		return "of another type"
	}
}

// fieldErrors collects validation failures so one 422 reports all of them at once.
type fieldErrors []string

func (f *fieldErrors) add(field, problem string) { *f = append(*f, field+": "+problem) }

func (f fieldErrors) err() *apiError {
	if len(f) == 0 {
		return nil
	}
	return errorf(http.StatusUnprocessableEntity, strings.Join(f, "; "))
}
