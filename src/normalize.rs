//! Normalize (temporary identity version; replaced by the full normalizer).
pub struct Normalized {
    pub text: String,
    pub map: OffsetMap,
    pub report: NormalizeReport,
    pub contributors: Vec<Contributor>,
}
#[derive(Debug, Clone)]
pub struct Contributor {
    pub name: String,
    pub role: String,
    pub original_start: usize,
    pub original_end: usize,
}
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NormalizeReport {
    pub confusables_folded: usize,
    pub entities_decoded: usize,
    pub line_breaks_joined: usize,
    pub boilerplate_removed: usize,
    pub spam_removed: usize,
    pub credits_removed: usize,
}
#[derive(Debug, Clone)]
pub struct OffsetMap {
    len: usize,
}
impl OffsetMap {
    pub fn to_original(&self, clean: usize) -> usize {
        clean.min(self.len)
    }
    pub fn span_to_original(&self, start: usize, end: usize) -> (usize, usize) {
        (self.to_original(start), self.to_original(end))
    }
}
pub fn normalize(original: &str) -> Normalized {
    Normalized {
        text: original.to_string(),
        map: OffsetMap { len: original.len() },
        report: NormalizeReport::default(),
        contributors: Vec::new(),
    }
}
