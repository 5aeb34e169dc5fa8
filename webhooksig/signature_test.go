package webhooksig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	testSecret = []byte("whsec_test")
	testBody   = []byte(`{"event_id":"evt_1","event":"envelope-completed"}`)
	testNow    = time.Unix(1_700_000_000, 0)
)

// referenceSig computes the v1 signature independently of the package's helpers, so a bug shared
// by Sign and Verify cannot make the tests agree with themselves.
func referenceSig(secret []byte, ts int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10) + "." + string(body)))
	return hex.EncodeToString(m.Sum(nil))
}

func TestSignFormat(t *testing.T) {
	got := Sign(testSecret, testNow, testBody)
	want := "t=1700000000,v1=" + referenceSig(testSecret, testNow.Unix(), testBody)
	if got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
}

func TestVerify(t *testing.T) {
	ts := testNow.Unix()
	good := referenceSig(testSecret, ts, testBody)
	tsStr := strconv.FormatInt(ts, 10)
	other := referenceSig([]byte("another"), ts, testBody)

	tests := []struct {
		name   string
		header string
		body   []byte
		secret []byte
		now    time.Time
		tol    time.Duration
		want   error
	}{
		{name: "valid", header: "t=" + tsStr + ",v1=" + good, want: nil},
		{name: "valid reversed order with spaces", header: " v1=" + good + " , t=" + tsStr, want: nil},
		{name: "unknown parts ignored", header: "t=" + tsStr + ",v0=abc,foo=bar,v1=" + good + ",junk", want: nil},
		{name: "several v1 one matches", header: "t=" + tsStr + ",v1=" + other + ",v1=" + good, want: nil},
		{name: "undecodable v1 beside a good one", header: "t=" + tsStr + ",v1=zz,v1=" + good, want: nil},
		{name: "uppercase hex accepted", header: "t=" + tsStr + ",v1=" + strings.ToUpper(good), want: nil},
		{name: "bad signature", header: "t=" + tsStr + ",v1=" + other, want: ErrMismatch},
		{name: "wrong secret", header: "t=" + tsStr + ",v1=" + good, secret: []byte("nope"), want: ErrMismatch},
		{name: "tampered body", header: "t=" + tsStr + ",v1=" + good, body: []byte(`{"event_id":"evt_2","event":"envelope-completed"}`), want: ErrMismatch},
		{name: "timestamp swapped keeps old sig", header: "t=" + strconv.FormatInt(ts+1, 10) + ",v1=" + good, now: testNow.Add(time.Second), want: ErrMismatch},
		{name: "stale", header: "t=" + tsStr + ",v1=" + good, now: testNow.Add(301 * time.Second), want: ErrStale},
		{name: "future", header: "t=" + tsStr + ",v1=" + good, now: testNow.Add(-301 * time.Second), want: ErrStale},
		{name: "edge of tolerance", header: "t=" + tsStr + ",v1=" + good, now: testNow.Add(300 * time.Second), want: nil},
		{name: "custom tolerance", header: "t=" + tsStr + ",v1=" + good, now: testNow.Add(11 * time.Second), tol: 10 * time.Second, want: ErrStale},
		{name: "zero tolerance means default", header: "t=" + tsStr + ",v1=" + good, now: testNow.Add(299 * time.Second), tol: -1, want: nil},
		{name: "missing", header: "", want: ErrMissing},
		{name: "blank", header: "   ", want: ErrMissing},
		{name: "no timestamp", header: "v1=" + good, want: ErrMalformed},
		{name: "no v1", header: "t=" + tsStr, want: ErrMalformed},
		{name: "only bad hex v1", header: "t=" + tsStr + ",v1=xyz", want: ErrMalformed},
		{name: "short v1", header: "t=" + tsStr + ",v1=abcd", want: ErrMalformed},
		{name: "non-numeric timestamp", header: "t=soon,v1=" + good, want: ErrMalformed},
		{name: "negative timestamp", header: "t=-5,v1=" + good, want: ErrMalformed},
		{name: "duplicate timestamp", header: "t=" + tsStr + ",t=" + tsStr + ",v1=" + good, want: ErrMalformed},
		{name: "garbage", header: ",,,=,==", want: ErrMalformed},
		{name: "empty secret", header: "t=" + tsStr + ",v1=" + good, secret: []byte{}, want: ErrNoSecret},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body
			if body == nil {
				body = testBody
			}
			secret := tc.secret
			if secret == nil {
				secret = testSecret
			}
			now := tc.now
			if now.IsZero() {
				now = testNow
			}
			tol := tc.tol
			if tol == 0 {
				tol = DefaultTolerance
			}
			err := Verify(tc.header, body, secret, now, tol)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("Verify() = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestVerifyExtremeTimestampIsStale(t *testing.T) {
	// The largest timestamp makes now.Sub saturate; it must still count as stale, not wrap
	// around into the tolerance window.
	ts := int64(1<<63 - 1)
	header := "t=" + strconv.FormatInt(ts, 10) + ",v1=" + referenceSig(testSecret, ts, testBody)
	if err := Verify(header, testBody, testSecret, testNow, DefaultTolerance); !errors.Is(err, ErrStale) {
		t.Fatalf("Verify() = %v, want ErrStale", err)
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	now := time.Now()
	header := Sign(testSecret, now, testBody)
	if err := Verify(header, testBody, testSecret, now, DefaultTolerance); err != nil {
		t.Fatalf("fresh signature does not verify: %v", err)
	}
}

func FuzzVerify(f *testing.F) {
	ts := strconv.FormatInt(testNow.Unix(), 10)
	f.Add("t="+ts+",v1="+referenceSig(testSecret, testNow.Unix(), testBody), testBody, testSecret)
	f.Add("", []byte{}, []byte("s"))
	f.Add("t=,v1=", []byte("x"), []byte("s"))
	f.Add("t=9223372036854775807,v1=00", []byte("x"), []byte("s"))
	f.Add("t=-9223372036854775808,v1=", []byte("x"), []byte("s"))
	f.Add("v1=t=1,t=v1=2", []byte("{}"), []byte("k"))
	f.Add("t=1\x00,v1=\xff", []byte("\x00"), []byte("\xff"))
	f.Add(strings.Repeat("v1=ab,", 100), []byte("body"), []byte("k"))

	f.Fuzz(func(t *testing.T, header string, body, secret []byte) {
		// Arbitrary input must never panic, whatever the error.
		_ = Verify(header, body, secret, testNow, DefaultTolerance)

		if len(secret) == 0 {
			return
		}
		fresh := Sign(secret, testNow, body)
		if err := Verify(fresh, body, secret, testNow, DefaultTolerance); err != nil {
			t.Fatalf("freshly signed body does not verify: header %q: %v", fresh, err)
		}
		// The fuzzed header is also appended as extra parts: unknown parts must not break a
		// valid signature, unless they add a second timestamp (refused as ambiguous).
		combined := fresh + "," + header
		err := Verify(combined, body, secret, testNow, DefaultTolerance)
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("valid signature plus extra parts %q: %v", header, err)
		}
	})
}
