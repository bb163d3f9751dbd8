-- Module basics: the library loads, and the SIMD dispatch is visible and settable.
SELECT hardneg_version() = (SELECT extversion FROM pg_extension WHERE extname = 'hardneg') AS version_matches;
SELECT variant FROM hardneg_simd_variants() WHERE variant = 'portable' AND supported;
SET hardneg.simd = 'portable';
SELECT variant FROM hardneg_simd_variants() WHERE active;
SET hardneg.simd = 'no-such-variant';
RESET hardneg.simd;
