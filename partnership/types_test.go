package partnership

import (
	"encoding/json"
	"testing"
)

// TestHandleOn: a workflow knows the creator's handle on each platform of its input; one
// started before CreatorHandles existed (its stored input has no such key) answers its one
// CreatorHandle for every platform, as it always verified.
func TestHandleOn(t *testing.T) {
	in := Input{CreatorHandle: "maya", Platform: "instagram", CreatorHandles: map[string]string{"instagram": "maya", "tiktok": "maya.tt"}}
	for platform, want := range map[string]string{"instagram": "maya", "tiktok": "maya.tt"} {
		if h, ok := in.HandleOn(platform); !ok || h != want {
			t.Errorf("HandleOn(%q) = %q, %v; want %q, true", platform, h, ok, want)
		}
	}
	if h, ok := in.HandleOn("youtube"); ok {
		t.Errorf("HandleOn(youtube) = %q, true; the creator has no youtube account", h)
	}

	var old Input
	if err := json.Unmarshal([]byte(`{"creator_handle":"jane","platform":"instagram"}`), &old); err != nil {
		t.Fatal(err)
	}
	for _, platform := range []string{"instagram", "tiktok"} {
		if h, ok := old.HandleOn(platform); !ok || h != "jane" {
			t.Errorf("old input: HandleOn(%q) = %q, %v; want jane, true", platform, h, ok)
		}
	}
}

func TestStageInWords(t *testing.T) {
	for s, want := range map[Stage]string{
		StageVetting: "in vetting", StageNegotiation: "in negotiation", StageContracting: "in contracting",
		StageContent: "in the content stage", StagePublishing: "in the publishing stage", StageTracking: "in the tracking stage",
		StagePayout: "in the payout stage", StageCompleted: "completed", StageCancelled: "cancelled", StageDeclined: "declined",
		StageExpired: "expired", StageRejected: "rejected",
	} {
		if got := s.InWords(); got != want {
			t.Errorf("%s: got %q, want %q", s, got, want)
		}
	}
}
