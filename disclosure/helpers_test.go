package disclosure

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// post is the setting of DISCLOSURE.md's public examples: an Instagram post in the US for
// the brand Acme (@acme).
func post(caption string) Input {
	return Input{
		Caption: caption, Platform: "instagram", Format: "post", Jurisdiction: "US",
		BrandName: "Acme", BrandHandles: []string{"@acme"},
	}
}

// in returns the same setting in another jurisdiction.
func in(jurisdiction, caption string) Input {
	i := post(caption)
	i.Jurisdiction = jurisdiction
	return i
}

func mustCheck(t testing.TB, in Input) Result {
	t.Helper()
	res, err := Check(in)
	require.NoError(t, err)
	return res
}

// codes lists the violation codes of res, each once, in order.
func codes(res Result) []string {
	out := []string{}
	for _, v := range res.Violations {
		if len(out) == 0 || out[len(out)-1] != v.Code {
			out = append(out, v.Code)
		}
	}
	return out
}

// requireVerdict asserts the verdict, the exact codes, and the invariants every result keeps.
func requireVerdict(t *testing.T, in Input, want ...string) Result {
	t.Helper()
	res := mustCheck(t, in)
	if want == nil {
		want = []string{}
	}
	require.Equal(t, want, codes(res), "caption %q", in.Caption)
	require.Equal(t, len(want) == 0, res.Compliant)
	requireWellFormed(t, in, res)
	return res
}

// requireWellFormed checks what holds for every result whatever the caption.
func requireWellFormed(t testing.TB, in Input, res Result) {
	t.Helper()
	require.NotNil(t, res.Violations)
	require.NotNil(t, res.LabelsFound)
	require.Equal(t, len(res.Violations) == 0, res.Compliant)
	n := len([]rune(in.Caption))
	for _, v := range res.Violations {
		require.NotEmpty(t, v.Code)
		require.NotEmpty(t, v.Message)
		if v.Start == -1 {
			require.Equal(t, -1, v.End, "%+v", v)
			continue
		}
		require.True(t, 0 <= v.Start && v.Start < v.End && v.End <= n, "span %+v outside caption of %d runes", v, n)
	}
}
