package disclosure

import (
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Violation codes, as named in DISCLOSURE.md. Clients switch on these; the messages are for
// people.
const (
	CodeMissingDisclosure      = "missing_disclosure"
	CodeAmbiguousLabel         = "ambiguous_label"
	CodeBelowFold              = "below_fold"
	CodeBuriedInHashtags       = "buried_in_hashtags"
	CodeBrandNotNamed          = "brand_not_named"
	CodePlatformLabelOnly      = "platform_label_only"
	CodeVideoDisclosureMissing = "video_disclosure_missing"
)

// Sentinel errors for input outside the supported tables. Check wraps them with the offending
// value, so callers test with errors.Is and may show err.Error() to the caller as a 422.
var (
	ErrUnknownJurisdiction = errors.New("disclosure: unknown jurisdiction")
	ErrUnknownPlatform     = errors.New("disclosure: unknown platform")
	ErrUnknownFormat       = errors.New("disclosure: unknown format")
)

// Input is one caption to check together with what the creator attests about the post.
type Input struct {
	Caption string
	// Platform is one of Platforms(); Format one of Formats(); Jurisdiction one of
	// Jurisdictions(). They are matched case-insensitively, ignoring surrounding spaces.
	Platform, Format, Jurisdiction string
	// BrandName is the sponsoring brand as people write it ("Acme", "Blue Bottle").
	BrandName string
	// BrandHandles are the brand's accounts, with or without the leading "@".
	BrandHandles []string
	// OnscreenDisclosure: the video shows the disclosure on screen.
	OnscreenDisclosure bool
	// SpokenDisclosure: the creator says it is an ad in the video.
	SpokenDisclosure bool
	// PlatformPaidLabel: the platform's own "paid partnership" toggle is switched on.
	PlatformPaidLabel bool
}

// Violation is one broken rule. Start and End are rune offsets [Start, End) of the caption
// text the violation points at, or -1, -1 when it is about the caption as a whole.
type Violation struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Start   int    `json:"start"`
	End     int    `json:"end"`
}

// Result is the verdict on one caption. Violations are ordered as the rules are listed in
// DISCLOSURE.md (and by position within a rule); LabelsFound lists each accepted label once,
// in the order it first appears, in the table's lower-case spelling with the brand filled in
// for brand templates. Neither slice is ever nil, so they encode as [] in JSON.
type Result struct {
	Compliant   bool        `json:"compliant"`
	Violations  []Violation `json:"violations"`
	LabelsFound []string    `json:"labels_found"`
}

// Check verifies one caption against the rules of its jurisdiction, platform and format. It
// returns an error only for a jurisdiction, platform or format it has no table for (all of
// them, joined, when several are wrong); the error wraps ErrUnknownJurisdiction,
// ErrUnknownPlatform or ErrUnknownFormat.
func Check(in Input) (Result, error) {
	rs, pl, ft, err := resolve(in)
	if err != nil {
		return Result{Violations: []Violation{}, LabelsFound: []string{}}, err
	}

	sc := scratchPool.Get().(*scratch)
	defer releaseScratch(sc)

	lead := sc.tokenize(in.Caption)
	b := newBrand(in.BrandName, in.BrandHandles)
	sc.findLabels(rs, &b)
	return evaluate(evaluation{
		in: in, rules: rs, platform: pl, format: ft, brand: &b, sc: sc, lead: lead,
	}), nil
}

// resolve looks the input's jurisdiction, platform and format up in the tables.
func resolve(in Input) (*ruleset, *platform, *format, error) {
	var errs []error
	rs, ok := rulesets[strings.ToUpper(strings.TrimSpace(in.Jurisdiction))]
	if !ok {
		errs = append(errs, fmt.Errorf("%w %q (supported: %s)",
			ErrUnknownJurisdiction, in.Jurisdiction, strings.Join(Jurisdictions(), ", ")))
	} else if rs.err != nil {
		// A table that does not compile is a programming error caught by the tests; report
		// it rather than panic so one broken market cannot take the service down.
		errs = append(errs, rs.err)
	}
	pl, ok := platforms[strings.ToLower(strings.TrimSpace(in.Platform))]
	if !ok {
		errs = append(errs, fmt.Errorf("%w %q (supported: %s)",
			ErrUnknownPlatform, in.Platform, strings.Join(Platforms(), ", ")))
	}
	ft, ok := formats[strings.ToLower(strings.TrimSpace(in.Format))]
	if !ok {
		errs = append(errs, fmt.Errorf("%w %q (supported: %s)",
			ErrUnknownFormat, in.Format, strings.Join(Formats(), ", ")))
	}
	if len(errs) > 0 {
		return nil, nil, nil, errors.Join(errs...)
	}
	return rs, pl, ft, nil
}

// scratchPool recycles the per-check token and match buffers: they are the only per-caption
// allocations on the compliant path, and the throughput target leaves no room for them.
var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// maxPooledBytes keeps one pathological caption from pinning a large buffer in the pool.
const maxPooledBytes = 64 << 10

func releaseScratch(sc *scratch) {
	if cap(sc.buf) > maxPooledBytes || cap(sc.toks) > maxPooledBytes/8 {
		return
	}
	sc.reset()
	scratchPool.Put(sc)
}
