//! The JSON that crosses the plugin boundary, both ways, for shared libraries and
//! command plugins alike.
//!
//! The host turns a [`Problem`] into a [`Request`] (only the calibration queries
//! travel); the plugin side turns the request back into an [`OwnedProblem`] that
//! any ordinary [`cascadelab_core::Solver`] can solve, and its proposal goes back as
//! the core's [`Proposal`] JSON. [`parse_response`] is the host's strict reader of
//! what comes back.

use std::collections::BTreeMap;

use cascadelab_core::{
    Dataset, Features, ModelColumns, ModelStats, Policy, PolicyFamily, Pool, Predictors, Problem, Proposal,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The version of the plugin ABI and of the request/response JSON. A host loads
/// only plugins that report this version; it changes whenever either side would
/// misread the other.
pub const CASCADELAB_PLUGIN_ABI_VERSION: u32 = 1;

/// Shorter name of [`CASCADELAB_PLUGIN_ABI_VERSION`].
pub const ABI_VERSION: u32 = CASCADELAB_PLUGIN_ABI_VERSION;

/// What a plugin is asked to solve: one split's calibration data, the pool on it,
/// the plugin's parameters and the seed.
///
/// Column maps are keyed by model name (every dataset model appears in each);
/// column entry `i` belongs to query `queries[i]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// The ABI version the host speaks ([`CASCADELAB_PLUGIN_ABI_VERSION`]).
    pub abi_version: u32,
    /// Seed for any randomness, derived by the engine from the experiment seed,
    /// the split and the solver.
    pub seed: u64,
    /// Index of the split.
    pub split: usize,
    /// The `params` table of the `[[solvers]]` entry, as written.
    #[serde(default)]
    pub params: Map<String, Value>,
    /// Calibration statistics of every dataset model, in dataset order.
    pub models: Vec<ModelSummary>,
    /// The non-dominated pool on calibration, by ascending mean cost.
    pub pool: Vec<String>,
    /// Valid cascade pairs `[cheap, expensive]` of pool models.
    pub pairs: Vec<(String, String)>,
    /// Calibration query ids, in order.
    pub queries: Vec<String>,
    /// Quality per model and calibration query.
    pub quality: BTreeMap<String, Vec<f64>>,
    /// Confidence per model and calibration query (`"-inf"` is a legal score), or
    /// `null` for a model without confidence.
    pub confidence: BTreeMap<String, Option<Scores>>,
    /// Cost in dollars per model and calibration query.
    pub cost: BTreeMap<String, Vec<f64>>,
    /// Query features of the calibration queries, sent only when the experiment
    /// asks for them (`send-features = true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<FeatureRows>,
}

/// One model's calibration statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    /// The model's name.
    pub name: String,
    /// Mean cost per query on calibration, in dollars.
    pub mean_cost: f64,
    /// Mean quality on calibration.
    pub accuracy: f64,
}

/// A column of scores that may hold `-inf` (written `"-inf"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores(#[serde(with = "cascadelab_core::float::vec")] pub Vec<f64>);

/// Feature rows of the calibration queries, row-major.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureRows {
    /// Dimension of every row.
    pub dim: usize,
    /// `dim` values per calibration query, in `queries` order.
    pub values: Vec<f32>,
}

/// A request turned back into the data a [`cascadelab_core::Solver`] expects: a
/// dataset holding only the calibration queries, all of them calibration, and the
/// host's pool.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnedProblem {
    /// The calibration queries as a dataset, models in the host's dataset order.
    pub data: Dataset,
    /// `0..n`: every query of `data`.
    pub calibration: Vec<usize>,
    /// The host's pool, with positions into `data`.
    pub pool: Pool,
}

impl OwnedProblem {
    /// The problem to hand a solver.
    pub fn problem(&self) -> Problem<'_> {
        Problem { data: &self.data, calibration: &self.calibration, pool: &self.pool }
    }
}

impl Request {
    /// The request for `problem` with the given seed, split and plugin parameters;
    /// features travel only when `features` is set and the data has them.
    pub fn new(problem: &Problem<'_>, seed: u64, split: usize, params: Map<String, Value>, features: bool) -> Self {
        let (data, cal, pool) = (problem.data, problem.calibration, problem.pool);
        let pick = |v: &[f64]| cal.iter().map(|&q| v[q]).collect::<Vec<_>>();
        let name = |m: usize| data.models[m].name.clone();
        Request {
            abi_version: ABI_VERSION,
            seed,
            split,
            params,
            models: data
                .models
                .iter()
                .zip(&pool.stats)
                .map(|(m, s)| ModelSummary { name: m.name.clone(), mean_cost: s.mean_cost, accuracy: s.accuracy })
                .collect(),
            pool: pool.members.iter().map(|&m| name(m)).collect(),
            pairs: pool.pairs.iter().map(|&(l, h)| (name(l), name(h))).collect(),
            queries: cal.iter().map(|&q| data.query_ids[q].clone()).collect(),
            quality: data.models.iter().map(|m| (m.name.clone(), pick(&m.quality))).collect(),
            confidence: data
                .models
                .iter()
                .map(|m| (m.name.clone(), m.confidence.as_deref().map(|c| Scores(pick(c)))))
                .collect(),
            cost: data.models.iter().map(|m| (m.name.clone(), pick(&m.cost))).collect(),
            features: data.features.as_ref().filter(|_| features).map(|f| FeatureRows {
                dim: f.dim,
                values: cal.iter().flat_map(|&q| f.row(q).iter().copied()).collect(),
            }),
        }
    }

    /// The calibration data and pool as a problem a solver can take. Checks that
    /// the request is complete and consistent (the host's always is; a hand-written
    /// one may not be).
    pub fn problem(&self) -> Result<OwnedProblem, String> {
        if self.abi_version != ABI_VERSION {
            return Err(format!(
                "the request speaks plugin ABI version {}, this plugin speaks version {ABI_VERSION}",
                self.abi_version
            ));
        }
        let n = self.queries.len();
        let mut models = Vec::with_capacity(self.models.len());
        for m in &self.models {
            let column = |map: &BTreeMap<String, Vec<f64>>, what: &str| {
                map.get(&m.name)
                    .cloned()
                    .ok_or_else(|| format!("the request has no {what} column for model `{}`", m.name))
            };
            let confidence = match self.confidence.get(&m.name) {
                Some(c) => c.as_ref().map(|s| s.0.clone()),
                None => None,
            };
            if let Some(c) = &confidence
                && let Some(i) = c.iter().position(|x| x.is_nan())
            {
                return Err(format!("model `{}`: confidence {} is NaN", m.name, i + 1));
            }
            models.push(ModelColumns {
                name: m.name.clone(),
                quality: column(&self.quality, "quality")?,
                confidence,
                cost: column(&self.cost, "cost")?,
            });
        }
        let features = self.features.as_ref().map(|f| Features {
            source: "plugin request".into(),
            dim: f.dim,
            values: f.values.clone(),
        });
        let data = Dataset::new(self.queries.clone(), None, models, features).map_err(|e| format!("request: {e}"))?;
        let position =
            |name: &str| data.model_index(name).ok_or_else(|| format!("request: unknown pool model `{name}`"));
        let members = self.pool.iter().map(|m| position(m)).collect::<Result<Vec<_>, _>>()?;
        let pairs =
            self.pairs.iter().map(|(l, h)| Ok((position(l)?, position(h)?))).collect::<Result<Vec<_>, String>>()?;
        let stats = self.models.iter().map(|m| ModelStats { mean_cost: m.mean_cost, accuracy: m.accuracy }).collect();
        Ok(OwnedProblem { data, calibration: (0..n).collect(), pool: Pool { stats, members, pairs } })
    }
}

/// The error object a plugin may answer with instead of a proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorReply {
    /// What went wrong, for the user.
    pub error: String,
    /// Whether the data lacks something the solver needs (the engine then says the
    /// solver does not apply) rather than the solver failing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unsupported: bool,
}

/// A proposal as a plugin writes it: the core's [`Proposal`] JSON, read strictly.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProposalReply {
    families: Vec<PolicyFamily>,
    #[serde(default)]
    predictors: Predictors,
}

/// What a plugin's output says.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Candidate policies.
    Proposal(Proposal),
    /// The plugin reports an error.
    Error(ErrorReply),
}

/// Output a plugin wrote that is not a reply.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OutputError {
    /// The bytes are not UTF-8.
    #[error("output is not UTF-8 (invalid byte at offset {offset}); it begins {start}")]
    NotUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
        /// The first bytes, escaped.
        start: String,
    },
    /// Not JSON, or JSON of the wrong shape.
    #[error("malformed output: {message}; it begins {start}")]
    Malformed {
        /// What is wrong, with its place.
        message: String,
        /// The first characters, escaped.
        start: String,
    },
}

/// How many bytes of bad output an error quotes.
const QUOTED: usize = 80;

/// The first bytes of `bytes`, escaped and quoted, for messages.
pub fn quote_start(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "(empty)".into();
    }
    let head = &bytes[..bytes.len().min(QUOTED)];
    let more = if bytes.len() > QUOTED { "..." } else { "" };
    format!("\"{}{more}\"", head.escape_ascii())
}

/// Reads a plugin's output: a proposal object `{"families": [...], "predictors": {...}}`,
/// a bare array of policies (one unnamed family), or an error object `{"error": "..."}`.
pub fn parse_response(bytes: &[u8]) -> Result<Reply, OutputError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| OutputError::NotUtf8 { offset: e.valid_up_to(), start: quote_start(bytes) })?;
    let malformed = |message: String| OutputError::Malformed { message, start: quote_start(bytes) };
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let mut message = format!("not JSON ({e})");
        if text.contains("NaN") || text.contains("Infinity") {
            message.push_str("; JSON has no NaN or Infinity: write \"nan\", \"inf\" or \"-inf\" as strings");
        }
        malformed(message)
    })?;
    match value {
        Value::Array(_) => {
            let policies: Vec<Policy> = cascadelab_core::deserialize_params(value).map_err(malformed)?;
            Ok(Reply::Proposal(Proposal::single(policies)))
        }
        Value::Object(ref o) if o.contains_key("error") => {
            Ok(Reply::Error(cascadelab_core::deserialize_params(value).map_err(malformed)?))
        }
        Value::Object(_) => {
            let reply: ProposalReply = cascadelab_core::deserialize_params(value).map_err(malformed)?;
            Ok(Reply::Proposal(Proposal { families: reply.families, predictors: reply.predictors }))
        }
        other => Err(malformed(format!(
            "expected an object with `families`, an array of policies or an object with `error`, found {}",
            json_type(&other)
        ))),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascadelab_core::Signal;

    fn data() -> Dataset {
        let col = |name: &str, q: &[f64], c: Option<&[f64]>, cost: f64| ModelColumns {
            name: name.into(),
            quality: q.to_vec(),
            confidence: c.map(<[f64]>::to_vec),
            cost: vec![cost; q.len()],
        };
        Dataset::new(
            vec!["a".into(), "b".into(), "c".into(), "d".into()],
            None,
            vec![
                col("cheap", &[1.0, 0.0, 0.0, 1.0], Some(&[0.9, f64::NEG_INFINITY, 0.2, 0.7]), 1.0),
                col("pricey", &[1.0, 1.0, 0.0, 1.0], None, 10.0),
            ],
            None,
        )
        .unwrap()
    }

    #[test]
    fn a_request_round_trips_to_the_calibration_problem() {
        let data = data();
        let cal = [3, 1, 0];
        let pool = Pool::new(&data, &cal);
        let problem = Problem { data: &data, calibration: &cal, pool: &pool };
        let mut params = Map::new();
        params.insert("grid".into(), Value::from(4));
        let request = Request::new(&problem, 7, 2, params, false);
        let json = serde_json::to_string(&request).unwrap();
        assert!(json.contains(r#""confidence":{"cheap":[0.7,"-inf",0.9],"pricey":null}"#), "{json}");
        let back: Request = serde_json::from_str(&json).unwrap();
        assert_eq!(back, request);
        let owned = back.problem().unwrap();
        assert_eq!(owned.data, data.select_queries(&cal).unwrap());
        assert_eq!(owned.calibration, vec![0, 1, 2]);
        // The pool recomputed on the rebuilt data is the host's pool.
        assert_eq!(owned.pool, Pool::new(&owned.data, &owned.calibration));
        assert_eq!(owned.pool, pool);
    }

    #[test]
    fn features_travel_only_when_asked_for() {
        let base = data();
        let features = Features { source: "test".into(), dim: 2, values: (0..8).map(|v| v as f32 / 4.0).collect() };
        let data = Dataset::new(base.query_ids.clone(), None, base.models.clone(), Some(features)).unwrap();
        let cal = [2, 0];
        let pool = Pool::new(&data, &cal);
        let problem = Problem { data: &data, calibration: &cal, pool: &pool };
        assert_eq!(Request::new(&problem, 0, 0, Map::new(), false).features, None);
        let request = Request::new(&problem, 0, 0, Map::new(), true);
        assert_eq!(request.features, Some(FeatureRows { dim: 2, values: vec![1.0, 1.25, 0.0, 0.25] }));
        let json = serde_json::to_vec(&request).unwrap();
        let owned = serde_json::from_slice::<Request>(&json).unwrap().problem().unwrap();
        assert_eq!(owned.data.features.as_ref().unwrap().row(0), [1.0, 1.25]);
        assert_eq!(owned.data.features.as_ref().unwrap().row(1), [0.0, 0.25]);
    }

    #[test]
    fn an_incomplete_request_is_refused_with_the_missing_piece() {
        let data = data();
        let cal = [0, 1];
        let pool = Pool::new(&data, &cal);
        let problem = Problem { data: &data, calibration: &cal, pool: &pool };
        let mut request = Request::new(&problem, 0, 0, Map::new(), false);
        request.cost.remove("pricey");
        assert_eq!(request.problem().unwrap_err(), "the request has no cost column for model `pricey`");
        let mut request = Request::new(&problem, 0, 0, Map::new(), false);
        request.abi_version = 2;
        assert!(request.problem().unwrap_err().contains("ABI version 2"));
    }

    #[test]
    fn replies_are_read_strictly() {
        let cascade = Policy::Cascade {
            stages: vec!["a".into(), "b".into()],
            thresholds: vec![f64::NEG_INFINITY],
            signal: Signal::Confidence,
        };
        let object =
            br#"{"families":[{"name":"","policies":[{"kind":"cascade","stages":["a","b"],"thresholds":["-inf"]}]}]}"#;
        assert_eq!(parse_response(object).unwrap(), Reply::Proposal(Proposal::single(vec![cascade.clone()])));
        let array = br#"[{"kind":"single","model":"a"}]"#;
        assert_eq!(
            parse_response(array).unwrap(),
            Reply::Proposal(Proposal::single(vec![Policy::Single { model: "a".into() }]))
        );
        assert_eq!(
            parse_response(br#"{"error":"no data"}"#).unwrap(),
            Reply::Error(ErrorReply { error: "no data".into(), unsupported: false })
        );
        let typo = parse_response(br#"{"familes":[]}"#).unwrap_err().to_string();
        assert!(typo.contains("unknown field `familes`"), "{typo}");
        let nested = parse_response(br#"[{"kind":"single","model":"a"},{"kind":"teleport"}]"#).unwrap_err().to_string();
        assert!(nested.starts_with("malformed output: [1].kind: unknown variant `teleport`"), "{nested}");
        let nan =
            parse_response(br#"[{"kind":"cascade","stages":["a","b"],"thresholds":[NaN]}]"#).unwrap_err().to_string();
        assert!(nan.contains("write \"nan\""), "{nan}");
        assert!(
            matches!(parse_response(b"42"), Err(OutputError::Malformed { message, .. }) if message.contains("found a number"))
        );
    }

    #[test]
    fn bad_bytes_are_quoted() {
        let err = parse_response(b"ok\xff\xfe then more").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"output is not UTF-8 (invalid byte at offset 2); it begins "ok\xff\xfe then more""#
        );
        let long = vec![b'x'; 200];
        let err = parse_response(&long).unwrap_err().to_string();
        assert!(err.ends_with(&format!("\"{}...\"", "x".repeat(80))), "{err}");
        assert_eq!(quote_start(b""), "(empty)");
    }
}
