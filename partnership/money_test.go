package partnership

import (
	"math"
	"testing"
)

func TestMoneyString(t *testing.T) {
	for _, tc := range []struct {
		in   Money
		want string
	}{
		{Money{150000, "USD"}, "USD 1,500.00"},
		{Money{5, "EUR"}, "EUR 0.05"},
		{Money{0, "GBP"}, "GBP 0.00"},
		{Money{99, "USD"}, "USD 0.99"},
		{Money{100, "USD"}, "USD 1.00"},
		{Money{123456789, "USD"}, "USD 1,234,567.89"},
		{Money{150000, "JPY"}, "JPY 150,000"}, // no minor unit
		{Money{999, "JPY"}, "JPY 999"},
		{Money{1500, "KWD"}, "KWD 1.500"}, // three decimals
		{Money{-250, "USD"}, "USD -2.50"},
		{Money{1500, "ZZZ"}, "ZZZ 15.00"},      // unknown to the tables: two decimals
		{Money{150000, "IDR"}, "IDR 1,500.00"}, // ISO: two decimals (CLDR displays none)
		{Money{150000, "COP"}, "COP 1,500.00"},
		{Money{150000, "HUF"}, "HUF 1,500.00"},
		{Money{1500, "IQD"}, "IQD 1.500"},
		{Money{15000, "CLF"}, "CLF 1.5000"},
		{Money{math.MinInt64, "USD"}, "USD -92,233,720,368,547,758.08"},
	} {
		if got := tc.in.String(); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTermsPay(t *testing.T) {
	if got := (Terms{Fee: Money{0, "USD"}}).Pay(); got != "no fee" {
		t.Errorf("gifting: got %q", got)
	}
	if got := (Terms{Fee: Money{0, "USD"}, CommissionBps: 1000}).Pay(); got != "a 10% commission on sales" {
		t.Errorf("commission only: got %q", got)
	}
	fee := Money{150000, "USD"}
	for bps, want := range map[int64]string{
		0:    "USD 1,500.00",
		1000: "USD 1,500.00 plus a 10% commission on sales",
		1250: "USD 1,500.00 plus a 12.5% commission on sales",
		1205: "USD 1,500.00 plus a 12.05% commission on sales",
		5:    "USD 1,500.00 plus a 0.05% commission on sales",
	} {
		if got := (Terms{Fee: fee, CommissionBps: bps}).Pay(); got != want {
			t.Errorf("%d bps: got %q, want %q", bps, got, want)
		}
	}
}

func TestWords(t *testing.T) {
	for in, want := range map[string]string{
		"one-off": "a one-off", "ambassador": "an ambassador", "affiliate": "an affiliate", "gifting": "a gifting",
		"instagram reel": "an instagram reel", "tiktok video": "a tiktok video", "x post": "an x post",
		"youtube short": "a youtube short",
	} {
		if got := WithArticle(in); got != want {
			t.Errorf("WithArticle(%q) = %q, want %q", in, got, want)
		}
	}
	for _, c := range []struct {
		n    int
		noun string
		want string
	}{{1, "post", "1 post"}, {0, "post", "0 posts"}, {3, "deliverable", "3 deliverables"}, {2, "instagram story", "2 instagram stories"}, {2, "day", "2 days"}} {
		if got := Plural(c.n, c.noun); got != c.want {
			t.Errorf("Plural(%d, %q) = %q, want %q", c.n, c.noun, got, c.want)
		}
	}
	for _, c := range []struct {
		in   []string
		want string
	}{{nil, ""}, {[]string{"a"}, "a"}, {[]string{"a", "b"}, "a and b"}, {[]string{"a", "b", "c"}, "a, b and c"}} {
		if got := JoinAnd(c.in); got != c.want {
			t.Errorf("JoinAnd(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestHumanSeconds(t *testing.T) {
	for s, want := range map[int64]string{1: "1 second", 30: "30 seconds", 120: "2 minutes", 7200: "2 hours", 3 * 86400: "3 days"} {
		if got := HumanSeconds(s); got != want {
			t.Errorf("HumanSeconds(%d) = %q, want %q", s, got, want)
		}
	}
}
