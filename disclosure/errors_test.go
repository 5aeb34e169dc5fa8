package disclosure

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestUnknownInputs(t *testing.T) {
	tests := []struct {
		name                           string
		jurisdiction, platform, format string
		wantJurisdiction, wantPlatform bool
		wantFormat                     bool
		mentions                       string
	}{
		{"EU is not a jurisdiction", "EU", "instagram", "post", true, false, false, `"EU"`},
		{"empty jurisdiction", "", "instagram", "post", true, false, false, `""`},
		{"unknown platform", "US", "myspace", "post", false, true, false, `"myspace"`},
		{"twitter is called x", "US", "twitter", "post", false, true, false, `"twitter"`},
		{"unknown format", "US", "instagram", "carousel", false, false, true, `"carousel"`},
		{"everything wrong", "EU", "myspace", "carousel", true, true, true, `"carousel"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := post("#ad @acme")
			i.Jurisdiction, i.Platform, i.Format = tt.jurisdiction, tt.platform, tt.format
			res, err := Check(i)
			require.Error(t, err)
			require.Equal(t, tt.wantJurisdiction, errors.Is(err, ErrUnknownJurisdiction))
			require.Equal(t, tt.wantPlatform, errors.Is(err, ErrUnknownPlatform))
			require.Equal(t, tt.wantFormat, errors.Is(err, ErrUnknownFormat))
			require.Contains(t, err.Error(), tt.mentions)
			require.False(t, res.Compliant)
			require.NotNil(t, res.Violations)
			require.NotNil(t, res.LabelsFound)
		})
	}
}

func TestInputNamesAreCaseInsensitive(t *testing.T) {
	i := post("#ad @acme")
	i.Jurisdiction, i.Platform, i.Format = " us ", "Instagram", "POST"
	requireVerdict(t, i)
}
