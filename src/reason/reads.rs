//! What a rule reads: the predicates and classes its query's patterns can match, read from
//! the parsed query (triple patterns, property paths, `EXISTS` inside filters and binds).
//!
//! The reasoner runs a rule again only when a write since its last run could match one of
//! its patterns; a rule whose inputs did not change would return the rows it returned before,
//! which add nothing. A pattern with a variable predicate (or a negated property set, or a
//! `SERVICE`) can match anything, so such a rule reruns after any write.
//!
//! Does not evaluate queries and does not know which subjects or graphs changed: the test is
//! per predicate (per class for `rdf:type` with a fixed class), which is coarse but never
//! skips a rule that could conclude something new.

use oxigraph::model::vocab::rdf;
use oxigraph::model::{NamedNode, Quad, Term};
use spargebra::algebra::{AggregateExpression, Expression, GraphPattern, PropertyPathExpression};
use spargebra::term::{NamedNodePattern, TermPattern, TriplePattern};
use std::collections::HashSet;

/// The kinds of quads a rule's patterns can match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadSet {
    /// Some pattern can match any quad.
    any: bool,
    predicates: HashSet<NamedNode>,
    /// Classes of `?x rdf:type <Class>` patterns.
    classes: HashSet<NamedNode>,
}

/// The kinds of quads a batch of writes added: their predicates, and the classes of the
/// `rdf:type` quads among them.
#[derive(Debug, Clone, Default)]
pub struct Touched {
    predicates: HashSet<NamedNode>,
    classes: HashSet<NamedNode>,
}

impl Touched {
    /// Notes one written quad.
    pub fn note(&mut self, q: &Quad) {
        if q.predicate.as_ref() == rdf::TYPE
            && let Term::NamedNode(c) = &q.object
        {
            if !self.classes.contains(c) {
                self.classes.insert(c.clone());
            }
        } else if !self.predicates.contains(&q.predicate) {
            self.predicates.insert(q.predicate.clone());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.predicates.is_empty() && self.classes.is_empty()
    }

    /// Adds what another batch touched.
    pub fn merge(&mut self, other: Touched) {
        self.predicates.extend(other.predicates);
        self.classes.extend(other.classes);
    }
}

impl ReadSet {
    /// What a SPARQL query reads. A query that does not parse reads everything (running it
    /// reports the syntax error).
    pub fn of_query(query: &str) -> ReadSet {
        let mut reads = ReadSet::default();
        match spargebra::SparqlParser::new().parse_query(query) {
            Ok(
                spargebra::Query::Select { pattern, .. }
                | spargebra::Query::Construct { pattern, .. }
                | spargebra::Query::Describe { pattern, .. }
                | spargebra::Query::Ask { pattern, .. },
            ) => reads.pattern(&pattern),
            Err(_) => reads.any = true,
        }
        reads
    }

    /// Whether quads of these kinds could match one of the patterns.
    pub fn touched_by(&self, written: &Touched) -> bool {
        if written.is_empty() {
            return false;
        }
        // A pattern on `rdf:type` with a variable class reads every class.
        self.any
            || written
                .predicates
                .iter()
                .any(|p| self.predicates.contains(p))
            || (self.predicates.contains(&rdf::TYPE.into_owned()) && !written.classes.is_empty())
            || written.classes.iter().any(|c| self.classes.contains(c))
    }

    fn triple(&mut self, t: &TriplePattern) {
        match &t.predicate {
            NamedNodePattern::Variable(_) => self.any = true,
            NamedNodePattern::NamedNode(p) if p.as_ref() == rdf::TYPE => match &t.object {
                TermPattern::NamedNode(c) => {
                    self.classes.insert(c.clone());
                }
                _ => {
                    self.predicates.insert(p.clone());
                }
            },
            NamedNodePattern::NamedNode(p) => {
                self.predicates.insert(p.clone());
            }
        }
    }

    fn path(&mut self, p: &PropertyPathExpression) {
        match p {
            PropertyPathExpression::NamedNode(n) => {
                self.predicates.insert(n.clone());
            }
            PropertyPathExpression::Reverse(a)
            | PropertyPathExpression::ZeroOrMore(a)
            | PropertyPathExpression::OneOrMore(a)
            | PropertyPathExpression::ZeroOrOne(a) => self.path(a),
            PropertyPathExpression::Sequence(a, b) | PropertyPathExpression::Alternative(a, b) => {
                self.path(a);
                self.path(b);
            }
            PropertyPathExpression::NegatedPropertySet(_) => self.any = true,
        }
    }

    fn pattern(&mut self, g: &GraphPattern) {
        match g {
            GraphPattern::Bgp { patterns } => patterns.iter().for_each(|t| self.triple(t)),
            GraphPattern::Path { path, .. } => self.path(path),
            GraphPattern::Join { left, right }
            | GraphPattern::Lateral { left, right }
            | GraphPattern::Union { left, right }
            | GraphPattern::Minus { left, right } => {
                self.pattern(left);
                self.pattern(right);
            }
            GraphPattern::LeftJoin {
                left,
                right,
                expression,
            } => {
                self.pattern(left);
                self.pattern(right);
                if let Some(e) = expression {
                    self.expression(e);
                }
            }
            GraphPattern::Filter { expr, inner } => {
                self.expression(expr);
                self.pattern(inner);
            }
            GraphPattern::Extend {
                inner, expression, ..
            } => {
                self.expression(expression);
                self.pattern(inner);
            }
            GraphPattern::OrderBy { inner, expression } => {
                self.pattern(inner);
                for e in expression {
                    match e {
                        spargebra::algebra::OrderExpression::Asc(e)
                        | spargebra::algebra::OrderExpression::Desc(e) => self.expression(e),
                    }
                }
            }
            GraphPattern::Group {
                inner, aggregates, ..
            } => {
                self.pattern(inner);
                for (_, a) in aggregates {
                    if let AggregateExpression::FunctionCall { expr, .. } = a {
                        self.expression(expr);
                    }
                }
            }
            GraphPattern::Graph { inner, .. }
            | GraphPattern::Project { inner, .. }
            | GraphPattern::Distinct { inner }
            | GraphPattern::Reduced { inner }
            | GraphPattern::Slice { inner, .. } => self.pattern(inner),
            GraphPattern::Values { .. } => {}
            // What a remote endpoint reads is not known here.
            GraphPattern::Service { .. } => self.any = true,
        }
    }

    fn expression(&mut self, e: &Expression) {
        match e {
            Expression::Exists(p) => self.pattern(p),
            Expression::Or(a, b)
            | Expression::And(a, b)
            | Expression::Equal(a, b)
            | Expression::SameTerm(a, b)
            | Expression::Greater(a, b)
            | Expression::GreaterOrEqual(a, b)
            | Expression::Less(a, b)
            | Expression::LessOrEqual(a, b)
            | Expression::Add(a, b)
            | Expression::Subtract(a, b)
            | Expression::Multiply(a, b)
            | Expression::Divide(a, b) => {
                self.expression(a);
                self.expression(b);
            }
            Expression::UnaryPlus(a) | Expression::UnaryMinus(a) | Expression::Not(a) => {
                self.expression(a)
            }
            Expression::In(a, list) => {
                self.expression(a);
                list.iter().for_each(|e| self.expression(e));
            }
            Expression::If(a, b, c) => {
                self.expression(a);
                self.expression(b);
                self.expression(c);
            }
            Expression::Coalesce(list) | Expression::FunctionCall(_, list) => {
                list.iter().for_each(|e| self.expression(e))
            }
            Expression::NamedNode(_)
            | Expression::Literal(_)
            | Expression::Variable(_)
            | Expression::Bound(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::GraphName;

    const NG: &str = "https://w3id.org/newsgraph/ns#";

    fn n(local: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{NG}{local}"))
    }

    fn wrote(p: &str, o: Term) -> Touched {
        let mut t = Touched::default();
        t.note(&Quad::new(n("x"), n(p), o, GraphName::DefaultGraph));
        t
    }

    fn wrote_type(class: &str) -> Touched {
        let mut t = Touched::default();
        t.note(&Quad::new(
            n("x"),
            rdf::TYPE,
            n(class),
            GraphName::DefaultGraph,
        ));
        t
    }

    fn reads(body: &str) -> ReadSet {
        ReadSet::of_query(&format!("PREFIX ng: <{NG}>\nSELECT * WHERE {{ {body} }}"))
    }

    #[test]
    fn a_rule_reads_its_predicates_and_classes_only() {
        let r = reads("?e a ng:Meeting ; ng:actor ?a .");
        assert!(r.touched_by(&wrote("actor", n("y").into())));
        assert!(r.touched_by(&wrote_type("Meeting")));
        assert!(!r.touched_by(&wrote("place", n("y").into())));
        assert!(!r.touched_by(&wrote_type("Person")));
        assert!(!r.touched_by(&Touched::default()));
    }

    #[test]
    fn filters_optionals_and_binds_are_read_too() {
        let r = reads(
            "?e ng:actor ?a . OPTIONAL { ?a ng:role ?r } \
             FILTER NOT EXISTS { ?a ng:country ?c } BIND (EXISTS { ?a ng:memberOf ?o } AS ?m)",
        );
        for p in ["actor", "role", "country", "memberOf"] {
            assert!(r.touched_by(&wrote(p, n("y").into())), "{p}");
        }
        assert!(!r.touched_by(&wrote("met", n("y").into())));
    }

    #[test]
    fn paths_read_every_predicate_they_name() {
        let r = reads("?a (ng:partOf|^ng:contains)+/ng:country ?c .");
        for p in ["partOf", "contains", "country"] {
            assert!(r.touched_by(&wrote(p, n("y").into())), "{p}");
        }
        assert!(!r.touched_by(&wrote("met", n("y").into())));
    }

    #[test]
    fn a_variable_predicate_or_class_reads_everything_of_its_kind() {
        let any = reads("?s ?p ?o .");
        assert!(any.touched_by(&wrote("whatever", n("y").into())));
        assert!(any.touched_by(&wrote_type("Person")));
        let types = reads("?s a ?class .");
        assert!(types.touched_by(&wrote_type("Person")));
        assert!(!types.touched_by(&wrote("actor", n("y").into())));
        assert!(reads("?s !ng:met ?o .").touched_by(&wrote("x", n("y").into())));
    }

    #[test]
    fn a_query_that_does_not_parse_reads_everything() {
        assert!(ReadSet::of_query("SELECT nonsense {").touched_by(&wrote_type("Person")));
    }
}
