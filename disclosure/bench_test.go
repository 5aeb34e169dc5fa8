package disclosure

import (
	"strings"
	"testing"
)

// benchInputs are realistic captions of exactly 300 runes across markets and verdicts, so the
// benchmark exercises compliant and failing paths, accents, emoji and hashtag runs.
func benchInputs() []Input {
	filler := " Loving these for my morning runs 🏃‍♀️ light, comfy and they survived a week of rain ☔ and sun ☀️ — honestly the best pair I've had in years! Link in bio, code RUN15 saves 15% ✨ "
	fit := func(head, tail string) string {
		body := []rune(head + strings.Repeat(filler, 3))
		t := []rune(tail)
		return string(body[:300-len(t)]) + string(t)
	}
	return []Input{
		in("US", fit("#ad New @acme kicks!", "")),
		in("US", fit("New Acme kicks!", " #running #fitness #ad #morning")),
		in("US", fit("Paid partnership with Acme.", " #sp #collab")),
		in("UK", fit("Gifted by Acme", " #ad")),
		in("DE", fit("Werbung | Neue Schuhe von @acme", " #laufen #sport")),
		in("FR", fit("Publicite\u0301 — collaboration commerciale avec Acme", "")),
		in("ES", fit("¡#publi! Zapatillas @acme", " #colab")),
	}
}

func BenchmarkCheck(b *testing.B) {
	inputs := benchInputs()
	for _, i := range inputs {
		if n := len([]rune(i.Caption)); n != 300 {
			b.Fatalf("bench caption has %d runes, want 300", n)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if _, err := Check(inputs[n%len(inputs)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "captions/s")
}
