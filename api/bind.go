package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"strings"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"
)

// strictBinder decodes JSON bodies only: malformed JSON, or JSON that is not an object
// (`null`, `[]`, `"x"`, `1`), is a 400, a value of the wrong type a 422 naming the field. It
// keeps the decoded document on the context for validate, which checks it against the
// OpenAPI document. Path and query parameters are read explicitly by the handlers.
type strictBinder struct{}

// mimeMergePatch is the media type of a JSON merge patch (RFC 7396), which a PATCH may name
// instead of application/json.
const mimeMergePatch = "application/merge-patch+json"

// bodyKey holds the generic decoding of the request body.
const bodyKey = "partnerflow.body"

func (strictBinder) Bind(i any, c echo.Context) error {
	req := c.Request()
	if req.ContentLength == 0 && req.Body == http.NoBody {
		return problem(http.StatusBadRequest, "a JSON body is required")
	}
	if ct := req.Header.Get(echo.HeaderContentType); ct != "" && !strings.HasPrefix(ct, echo.MIMEApplicationJSON) &&
		!(req.Method == http.MethodPatch && strings.HasPrefix(ct, mimeMergePatch)) {
		if req.Method == http.MethodPatch {
			return problem(http.StatusUnsupportedMediaType, "the body must be application/json or "+mimeMergePatch)
		}
		return problem(http.StatusUnsupportedMediaType, "the body must be application/json")
	}
	raw, err := io.ReadAll(req.Body)
	if err != nil {
		return readError(err)
	}
	if isOptional(i) && len(bytes.TrimSpace(raw)) == 0 {
		return nil // an optional body left out, sent chunked
	}
	var doc any
	if err := decodeJSON(raw, &doc); err != nil {
		return err
	}
	if _, object := doc.(map[string]any); !object {
		// Every body is an object. `null` used to decode into the zero struct and come back as
		// 422s on its required fields, while `[]` and `"x"` were 400s; it is no body, which
		// an optional body may be (as it always could).
		if doc == nil && isOptional(i) {
			return nil
		}
		return problem(http.StatusBadRequest, "the body must be a JSON object")
	}
	c.Set(bodyKey, doc)
	if err := decodeJSON(raw, i); err != nil {
		// An object that is well-formed JSON (doc decoded) but does not fit the struct, with
		// no field named: a time that does not parse, whose error encoding/json reports
		// without its field. The route's schema names it (a 422, as API.md asks of invalid
		// fields). What the schema allows and Go still refuses stays a 400.
		var pe *problemError
		if !(errors.As(err, &pe) && len(pe.p.Errors) > 0) {
			if serr := bodySchemas.check(c, doc); serr != nil {
				return serr
			}
		}
		return err
	}
	return nil
}

// decodeJSON decodes exactly one JSON value.
func decodeJSON(raw []byte, into any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(into); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case tooLarge(err):
			return problem(http.StatusRequestEntityTooLarge, "the request body is larger than 1 MiB")
		case errors.Is(err, io.EOF):
			return problem(http.StatusBadRequest, "a JSON body is required")
		case errors.As(err, &syn):
			return problem(http.StatusBadRequest, fmt.Sprintf("malformed JSON at byte %d", syn.Offset))
		case errors.As(err, &typ):
			field := typeErrorField(raw, typ)
			if field == "" {
				return problem(http.StatusBadRequest, "the body must be a JSON object")
			}
			return invalidFields(map[string]string{field: "must be " + jsonKind(typ.Type)})
		case errors.Is(err, io.ErrUnexpectedEOF):
			return problem(http.StatusBadRequest, "malformed JSON: unexpected end of input")
		}
		return problem(http.StatusBadRequest, "malformed JSON")
	}
	if dec.More() {
		return problem(http.StatusBadRequest, "malformed JSON: more than one value in the body")
	}
	return nil
}

// tooLarge reports whether reading the body failed on the 1 MiB limit: net/http's MaxBytesError,
// or Echo's BodyLimit error for bodies without a Content-Length (chunked uploads).
func tooLarge(err error) bool {
	var mbe *http.MaxBytesError
	var he *echo.HTTPError
	return errors.As(err, &mbe) || (errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge)
}

// readError turns a failed body read into its problem: 413 over the limit, 400 otherwise.
func readError(err error) error {
	if tooLarge(err) {
		return problem(http.StatusRequestEntityTooLarge, "the request body is larger than 1 MiB")
	}
	return problem(http.StatusBadRequest, "could not read the request body")
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// handlePattern is a social handle as the OpenAPI document's Handle schema says: an optional
// "@" and 1 to 100 characters, none of them a space or another "@"; spaces around it are
// trimmed later.
var handlePattern = regexp.MustCompile(`^\s*@?[^\s@]{1,100}\s*$`)

// isHandle applies handlePattern, and also refuses a handle of Unicode spaces only (a
// no-break space, say), which the pattern's \s (ASCII spaces) lets through but the trimming
// leaves empty: a creator would be stored with an account of no handle.
func isHandle(h string) bool {
	return handlePattern.MatchString(h) && strings.TrimPrefix(strings.TrimSpace(h), "@") != ""
}

// requestValidator applies `validate` tags and reports failures by JSON field path.
type requestValidator struct{ v *validator.Validate }

func newValidator() *requestValidator {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	if err := v.RegisterValidation("handle", func(fl validator.FieldLevel) bool {
		return isHandle(fl.Field().String())
	}); err != nil {
		panic(err) // a programming error: the tag name or function is invalid
	}
	// notblank is the rule for text a person must type (a reason, a name, a caption): spaces
	// alone say nothing, so they count as missing. The document says the same with
	// `pattern: '\S'`, which the schema check applies first; the tag keeps the structs honest
	// where they are validated without it (merge patches, tests).
	if err := v.RegisterValidation("notblank", func(fl validator.FieldLevel) bool {
		return strings.TrimSpace(fl.Field().String()) != ""
	}); err != nil {
		panic(err)
	}
	return &requestValidator{v: v}
}

func (rv *requestValidator) Validate(i any) error {
	return fieldErrors(rv.v.Struct(i))
}

// validatePartial applies the rules of the named fields only (Go field names).
func (rv *requestValidator) validatePartial(i any, fields ...string) error {
	if len(fields) == 0 {
		return nil
	}
	return fieldErrors(rv.v.StructPartial(i, fields...))
}

// fieldErrors turns the validator's verdict into a 422 naming each field by its JSON path.
func fieldErrors(err error) error {
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return problem(http.StatusUnprocessableEntity, "the request is invalid")
	}
	fields := map[string]string{}
	for _, fe := range verrs {
		ns := fe.Namespace()
		if i := strings.Index(ns, "."); i >= 0 {
			ns = ns[i+1:] // drop the struct name
		}
		fields[ns] = fieldMessage(fe)
	}
	return invalidFields(fields)
}

// failedRule is what fieldMessage reads of a validator.FieldError.
type failedRule interface {
	Tag() string
	Param() string
	Kind() reflect.Kind
}

// fieldMessage phrases a failed rule for a client, in the words the schema check uses
// (schemaMessage); never the tag's name, which means nothing to a client.
func fieldMessage(fe failedRule) string {
	unit := ""
	switch fe.Kind() {
	case reflect.String:
		unit = " character(s)"
	case reflect.Slice, reflect.Array, reflect.Map:
		unit = " element(s)"
	}
	switch fe.Tag() {
	case "required":
		return "is required"
	case "notblank":
		return blankMessage
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "min", "gte":
		if unit != "" {
			return "must have at least " + fe.Param() + unit
		}
		return "must be at least " + fe.Param()
	case "max", "lte":
		if unit != "" {
			return "must have at most " + fe.Param() + unit
		}
		return "must be at most " + fe.Param()
	case "gt":
		if unit != "" {
			return "must have more than " + fe.Param() + unit
		}
		return "must be greater than " + fe.Param()
	case "lt":
		if unit != "" {
			return "must have fewer than " + fe.Param() + unit
		}
		return "must be less than " + fe.Param()
	case "len":
		if unit != "" {
			return "must have exactly " + fe.Param() + unit
		}
		return "must be " + fe.Param()
	case "iso4217":
		return "must be an ISO 4217 currency code such as USD"
	case "iso3166_1_alpha2":
		return "must be an ISO 3166-1 alpha-2 country code such as US"
	case "email":
		return "must be an e-mail address"
	case "url", "http_url":
		return "must be an http(s) URL"
	case "uuid":
		return "must be a UUID"
	case "handle":
		return "must be a handle: an optional @ and 1 to 100 characters, none of them a space or another @"
	case "required_if":
		return "is required when " + conditions(fe.Param())
	case "required_unless":
		return "is required unless " + conditions(fe.Param())
	case "required_with", "required_with_all":
		return "is required when " + fieldList(fe.Param()) + " is given"
	case "required_without", "required_without_all":
		return "is required when " + fieldList(fe.Param()) + " is not given"
	case "excluded_if":
		return "must be left out when " + conditions(fe.Param())
	case "excluded_unless":
		return "must be left out unless " + conditions(fe.Param())
	case "excluded_with", "excluded_with_all":
		return "must be left out when " + fieldList(fe.Param()) + " is given"
	case "excluded_without", "excluded_without_all":
		return "must be left out when " + fieldList(fe.Param()) + " is not given"
	}
	return "is invalid"
}

// conditions phrases the "Field value" pairs of required_if and its kin: "action is counter",
// "kind is affiliate and fee is 0".
func conditions(param string) string {
	words := strings.Fields(param)
	var out []string
	for i := 0; i+1 < len(words); i += 2 {
		out = append(out, jsonName(words[i])+" is "+words[i+1])
	}
	if len(out) == 0 {
		return "other fields call for it"
	}
	return strings.Join(out, " and ")
}

// fieldList phrases the Go field names of required_with and its kin by their JSON names.
func fieldList(param string) string {
	words := strings.Fields(param)
	for i, w := range words {
		words[i] = jsonName(w)
	}
	return strings.Join(words, " or ")
}

// jsonName turns a Go field name, as a cross-field rule names it, into the JSON name the
// request structs give it (snake case): Action → action, CommissionBps → commission_bps.
func jsonName(goName string) string {
	var b strings.Builder
	runes := []rune(goName)
	for i, r := range runes {
		upper := r >= 'A' && r <= 'Z'
		if upper && i > 0 && (runes[i-1] < 'A' || runes[i-1] > 'Z' || i+1 < len(runes) && runes[i+1] >= 'a' && runes[i+1] <= 'z') {
			b.WriteByte('_')
		}
		if upper {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// blankMessage refuses text that is only spaces, in the words of the document's
// x-pattern-message for the same rule.
const blankMessage = "must not be blank"

// bind decodes and validates a request body.
func bind(c echo.Context, into any) error {
	if err := c.Bind(into); err != nil {
		return err
	}
	return validate(c, into)
}

// validatePatch checks a bound merge-patch body: against the route's schema, then each member
// it sends (fields, the Go fields of into) by the rules of the create request into is, so an
// edit is held to what creating demanded and what it leaves alone is not checked again.
func validatePatch(c echo.Context, into any, fields ...string) error {
	rv, ok := c.Echo().Validator.(*requestValidator)
	if !ok {
		return errors.New("api: the server has no request validator")
	}
	return allFieldErrors(checkSchema(c), rv.validatePartial(into, fields...))
}

// validate checks a bound body: first against the OpenAPI document's schema for the route
// (what the published contract requires), then the struct's own rules (what the schema cannot
// say, such as an ISO currency code). Handlers that must check scope before revealing which
// fields are wrong call c.Bind, check, then validate.
func validate(c echo.Context, into any) error {
	return allFieldErrors(checkSchema(c), c.Validate(into))
}

// allFieldErrors answers both checks' verdicts at once, so a client fixing a request learns
// every invalid field in one answer: one 422 naming the fields of both (the schema's message
// where both name a field). Any other failure of the schema check comes first as it is.
func allFieldErrors(schema, rules error) error {
	var s, r *problemError
	switch {
	case schema == nil:
		return rules
	case rules == nil || !errors.As(schema, &s) || s.p.Errors == nil || !errors.As(rules, &r) || r.p.Errors == nil:
		return schema
	}
	merged := maps.Clone(r.p.Errors)
	maps.Copy(merged, s.p.Errors)
	return invalidFields(merged)
}

// checkSchema checks the bound body against the OpenAPI document's schema for the route.
func checkSchema(c echo.Context) error {
	if doc, ok := c.Get(bodyKey).(any); ok {
		return bodySchemas.check(c, doc)
	}
	return nil
}
