package api

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
)

// requestSchemas maps "METHOD /echo/path" to the JSON schema of that operation's request body
// in openapi.yaml. Every body is checked against it before it is decoded, so the document the
// server publishes decides what a request may hold: a field the document calls required,
// an enum, a bound or a type is enforced because the document says so, not because a
// hand-written check happens to agree with it.
type requestSchemas map[string]*openapi3.Schema

// bodySchemas is read from the embedded document once. The document is part of the binary and
// TestOpenAPIDocumentIsValid checks it, so failing here is a build defect, not a runtime error.
var bodySchemas = func() requestSchemas {
	rs, err := loadRequestSchemas(OpenAPIDocument)
	if err != nil {
		panic(fmt.Sprintf("api: the embedded openapi.yaml cannot be used: %v", err))
	}
	return rs
}()

var specParam = regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`)

func loadRequestSchemas(raw []byte) (requestSchemas, error) {
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		return nil, err
	}
	rs := requestSchemas{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			mt := op.RequestBody.Value.Content.Get(echo.MIMEApplicationJSON)
			if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
				continue
			}
			rs[method+" "+specParam.ReplaceAllString(path, ":$1")] = mt.Schema.Value
		}
	}
	return rs, nil
}

// check validates a decoded JSON body against the schema of the route c matched. Every
// violation is reported, each under the field it concerns (offer.deliverables[0].platform).
func (rs requestSchemas) check(c echo.Context, body any) error {
	schema := rs[c.Request().Method+" "+c.Path()]
	if schema == nil {
		return nil
	}
	err := schema.VisitJSON(body, openapi3.MultiErrors())
	if err == nil {
		return nil
	}
	fields := map[string]string{}
	collectSchemaErrors(err, fields)
	if len(fields) == 0 {
		return problem(http.StatusUnprocessableEntity, "the request does not match the API document")
	}
	return invalidFields(fields)
}

func collectSchemaErrors(err error, into map[string]string) {
	var multi openapi3.MultiError
	if errors.As(err, &multi) {
		for _, e := range multi {
			collectSchemaErrors(e, into)
		}
		return
	}
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		return
	}
	// A oneOf/anyOf failure wraps the branch errors; report those, they name the field.
	if se.Origin != nil {
		before := len(into)
		collectSchemaErrors(se.Origin, into)
		if len(into) > before {
			return
		}
	}
	field := fieldPath(se.JSONPointer()) // for "required", the pointer ends at the missing property
	if field == "" {
		field = "body"
	}
	if _, seen := into[field]; !seen {
		into[field] = schemaMessage(se)
	}
}

// fieldPath turns a JSON pointer into the dotted form the validator uses: offer.fee.amount_minor,
// deliverables[0].platform.
func fieldPath(ptr []string) string {
	var b strings.Builder
	for _, seg := range ptr {
		if _, err := strconv.Atoi(seg); err == nil {
			b.WriteString("[" + seg + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

// schemaMessage phrases a violation for a client, in the words the tag validator uses.
func schemaMessage(se *openapi3.SchemaError) string {
	s := se.Schema
	switch se.SchemaField {
	case "required":
		return "is required"
	case "type":
		if s != nil && s.Type != nil && len(*s.Type) > 0 {
			return "must be " + article((*s.Type)[0])
		}
	case "enum":
		if s != nil {
			vals := make([]string, 0, len(s.Enum))
			for _, v := range s.Enum {
				vals = append(vals, fmt.Sprint(v))
			}
			return "must be one of: " + strings.Join(vals, ", ")
		}
	case "minimum":
		if s != nil && s.Min != nil {
			return "must be at least " + strconv.FormatFloat(*s.Min, 'f', -1, 64)
		}
	case "maximum":
		if s != nil && s.Max != nil {
			return "must be at most " + strconv.FormatFloat(*s.Max, 'f', -1, 64)
		}
	case "minLength":
		if s != nil {
			return fmt.Sprintf("must have at least %d character(s)", s.MinLength)
		}
	case "maxLength":
		if s != nil && s.MaxLength != nil {
			return fmt.Sprintf("must have at most %d character(s)", *s.MaxLength)
		}
	case "minItems":
		if s != nil {
			return fmt.Sprintf("must have at least %d element(s)", s.MinItems)
		}
	case "maxItems":
		if s != nil && s.MaxItems != nil {
			return fmt.Sprintf("must have at most %d element(s)", *s.MaxItems)
		}
	case "additionalProperties":
		return "is not a field of this request"
	case "nullable":
		return "must not be null"
	case "pattern", "format":
		if s == nil {
			break
		}
		if msg, ok := s.Extensions["x-pattern-message"].(string); ok && se.SchemaField == "pattern" {
			return msg // the schema says what its pattern means
		}
		if s.Format != "" {
			return "must be in " + s.Format + " format"
		}
		return "has the wrong format"
	}
	if se.Reason != "" {
		return se.Reason
	}
	return "is invalid"
}

func article(typ string) string {
	switch typ {
	case "integer", "object", "array":
		return "an " + typ
	}
	return "a " + typ
}
