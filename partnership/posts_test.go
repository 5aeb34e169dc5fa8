package partnership

import "testing"

func TestPostURLKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://instagram.com/p/abc", "instagram.com/p/abc?"},
		{" http://WWW.Instagram.com/p/abc/#top ", "instagram.com/p/abc?"},
		{"https://youtube.com/watch?v=xyz", "youtube.com/watch?v=xyz"},
		{"not a url", "not a url"},
	} {
		if got := PostURLKey(tc.in); got != tc.want {
			t.Errorf("PostURLKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
