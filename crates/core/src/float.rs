//! JSON for floats that may be infinite: finite values are numbers, infinities are
//! the strings `"inf"` and `"-inf"` (JSON numbers cannot hold them; serde_json would
//! write `null`). NaN is written as `"nan"` so that it is visible, and rejected by
//! [`crate::Policy::check`] wherever it matters.

use schemars::JsonSchema;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A float as it appears in JSON: a number, or one of `"inf"`, `"-inf"`, `"nan"`.
#[derive(Debug, Clone, Copy, PartialEq, JsonSchema)]
#[schemars(untagged)]
pub enum ExtendedFloat {
    /// A finite number.
    Number(f64),
    /// `"inf"`, `"-inf"` or `"nan"`.
    Special(SpecialFloat),
}

/// The non-finite floats by name.
#[derive(Debug, Clone, Copy, PartialEq, JsonSchema)]
pub enum SpecialFloat {
    /// +∞.
    #[schemars(rename = "inf")]
    Inf,
    /// −∞.
    #[schemars(rename = "-inf")]
    NegInf,
    /// Not a number.
    #[schemars(rename = "nan")]
    Nan,
}

/// Serializes one extended float.
pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.is_finite() {
        s.serialize_f64(*v)
    } else if v.is_nan() {
        s.serialize_str("nan")
    } else if *v > 0.0 {
        s.serialize_str("inf")
    } else {
        s.serialize_str("-inf")
    }
}

struct FloatVisitor;

impl Visitor<'_> for FloatVisitor {
    type Value = f64;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a number or one of \"inf\", \"-inf\", \"nan\"")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        match v {
            "inf" | "+inf" | "Infinity" => Ok(f64::INFINITY),
            "-inf" | "-Infinity" => Ok(f64::NEG_INFINITY),
            "nan" | "NaN" => Ok(f64::NAN),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
}

/// Deserializes one extended float.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    d.deserialize_any(FloatVisitor)
}

/// A float that serializes with [`serialize`]; for use inside collections.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ext(pub f64);

impl Serialize for Ext {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for Ext {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize(d).map(Ext)
    }
}

/// `#[serde(with = "crate::float::vec")]` for `Vec<f64>` that may hold infinities.
pub mod vec {
    use super::Ext;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes a vector of extended floats.
    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| Ext(*x)))
    }

    /// Deserializes a vector of extended floats.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Ok(Vec::<Ext>::deserialize(d)?.into_iter().map(|e| e.0).collect())
    }
}

/// `#[serde(with = "crate::float::opt_vec")]` for `Option<Vec<f64>>` that may hold infinities.
pub mod opt_vec {
    use super::Ext;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes an optional vector of extended floats.
    pub fn serialize<S: Serializer>(v: &Option<Vec<f64>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.collect_seq(v.iter().map(|x| Ext(*x))),
            None => s.serialize_none(),
        }
    }

    /// Deserializes an optional vector of extended floats.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<f64>>, D::Error> {
        Ok(Option::<Vec<Ext>>::deserialize(d)?.map(|v| v.into_iter().map(|e| e.0).collect()))
    }
}
