package partnership

import (
	"strconv"
	"strings"
)

// minorDigits are the ISO 4217 currencies whose minor unit is not two digits: amount_minor
// counts in these units (ISO's, which payment providers follow), so an amount is written
// with this many decimals. Not CLDR's display digits, which differ for IDR, COP, HUF and
// others (x/text/currency wrote IDR 1,500.00 as "IDR 150,000").
var minorDigits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	"CLF": 4, "UYW": 4,
}

// String writes the amount for people, as e-mails and contracts show it: the ISO code, then
// the amount in major units with the currency's ISO 4217 number of decimals and thousands
// grouped, "USD 1,500.00", "JPY 150,000", "KWD 1.500". Integer arithmetic only.
func (m Money) String() string {
	decimals, ok := minorDigits[m.Currency]
	if !ok {
		decimals = 2
	}
	sign, amount := "", m.AmountMinor
	if amount < 0 {
		// -amount overflows for the smallest int64: work on its digits instead.
		sign = "-"
	}
	digits := strconv.FormatInt(amount, 10)
	if sign != "" {
		digits = digits[1:]
	}
	for len(digits) <= decimals {
		digits = "0" + digits
	}
	whole, fraction := digits[:len(digits)-decimals], digits[len(digits)-decimals:]
	grouped := make([]byte, 0, len(whole)+len(whole)/3)
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			grouped = append(grouped, ',')
		}
		grouped = append(grouped, whole[i])
	}
	out := m.Currency + " " + sign + string(grouped)
	if decimals > 0 {
		out += "." + fraction
	}
	return out
}

// Pay is what the terms pay, as e-mails show it: the fee, and the commission when there is
// one, "USD 1,500.00 plus a 12.5% commission on sales"; "a 10% commission on sales" without
// a fee, "no fee" for a gifting deal.
func (t Terms) Pay() string {
	switch {
	case t.CommissionBps <= 0 && t.Fee.AmountMinor <= 0:
		return "no fee"
	case t.CommissionBps <= 0:
		return t.Fee.String()
	case t.Fee.AmountMinor <= 0:
		return "a " + Percent(t.CommissionBps) + " commission on sales"
	}
	return t.Fee.String() + " plus a " + Percent(t.CommissionBps) + " commission on sales"
}

// KindName writes an offer kind for people: "one-off", "ambassador".
func KindName(kind string) string {
	return strings.ReplaceAll(kind, "_", "-")
}

// WithArticle writes a word or phrase after its indefinite article, for e-mails: "an
// affiliate", "an ambassador", "a one-off", "an instagram reel", "a gifting". By spelling, with
// the exceptions the vocabulary has: "one" sounds like "won", the platform "x" like "ex".
func WithArticle(phrase string) string {
	lower := strings.ToLower(phrase)
	vowel := lower != "" && strings.ContainsRune("aeiou", rune(lower[0])) && !strings.HasPrefix(lower, "one")
	if vowel || lower == "x" || strings.HasPrefix(lower, "x ") {
		return "an " + phrase
	}
	return "a " + phrase
}

// JoinAnd joins items as a sentence lists them: "a", "a and b", "a, b and c".
func JoinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// Plural writes a count and its noun, the noun in the plural unless the count is one: "1
// post", "3 posts", "0 deliverables", "2 instagram stories".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if len(noun) > 1 && strings.HasSuffix(noun, "y") && !strings.ContainsRune("aeiou", rune(noun[len(noun)-2])) {
		return strconv.Itoa(n) + " " + noun[:len(noun)-1] + "ies"
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// Percent writes basis points as a percentage: 1000 → "10%", 1250 → "12.5%", 5 → "0.05%".
func Percent(bps int64) string {
	pct := strconv.FormatInt(bps/100, 10)
	if cents := bps % 100; cents != 0 {
		frac := strconv.FormatInt(100+cents, 10)[1:] // two digits
		if frac[1] == '0' {
			frac = frac[:1]
		}
		pct += "." + frac
	}
	return pct + "%"
}

// HumanSeconds writes a duration of seconds the way people read it: "3 days", "5 hours",
// "20 minutes".
func HumanSeconds(s int64) string {
	switch {
	case s >= 2*86400:
		return strconv.FormatInt(s/86400, 10) + " days"
	case s >= 2*3600:
		return strconv.FormatInt(s/3600, 10) + " hours"
	case s >= 120:
		return strconv.FormatInt(s/60, 10) + " minutes"
	case s == 1:
		return "1 second"
	}
	return strconv.FormatInt(s, 10) + " seconds"
}
