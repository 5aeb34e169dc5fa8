package partnership

import (
	"strconv"

	"golang.org/x/text/currency"
)

// String writes the amount for people, as e-mails show it: the ISO code, then the amount in
// major units with the currency's own number of decimals and thousands grouped, "USD
// 1,500.00", "JPY 150,000", "KWD 1.500". Integer arithmetic only; a code the currency tables
// do not know is written with two decimals.
func (m Money) String() string {
	decimals := 2
	if unit, err := currency.ParseISO(m.Currency); err == nil {
		decimals, _ = currency.Standard.Rounding(unit)
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
// one, "USD 1,500.00 plus a 12.5% commission on sales".
func (t Terms) Pay() string {
	if t.CommissionBps <= 0 {
		return t.Fee.String()
	}
	return t.Fee.String() + " plus a " + Percent(t.CommissionBps) + " commission on sales"
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
	}
	return strconv.FormatInt(s, 10) + " seconds"
}
