//! Many new rows of one table in as few statements as the database allows: on PostgreSQL one
//! `INSERT … SELECT … FROM UNNEST($1, $2, …)` with one typed array per column (a few arrays
//! bound instead of thousands of `VALUES` placeholders built and bound; the server's own work,
//! inserting the rows and their index entries, is the same either way), on SQLite multi-row
//! `INSERT … VALUES` in [`pieces`]. The history import's player, weapon and file rows and the
//! ratings' history use it.
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityName, EntityTrait, Iden,
    Iterable, Statement, Value,
};

/// Bound values per SQLite statement: under its 32,766 parameters.
const SQLITE_VALUES: usize = 30_000;
/// Rows per PostgreSQL statement (arrays have no parameter limit; this bounds one message).
const POSTGRES_ROWS: usize = 50_000;

/// Inserts `rows` (each with the same columns set) and returns nothing.
pub(super) async fn insert<A>(db: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
{
    let Some(first) = rows.first() else { return Ok(()) };
    let columns: Vec<_> =
        <A::Entity as EntityTrait>::Column::iter().filter(|c| first.get(*c).is_set()).collect();
    if db.get_database_backend() != DatabaseBackend::Postgres || columns.is_empty() {
        let per = (SQLITE_VALUES / columns.len().max(1)).max(1);
        for piece in pieces(&rows, per) {
            <A::Entity as EntityTrait>::insert_many(piece.to_vec())
                .exec_without_returning(db)
                .await?;
        }
        return Ok(());
    }
    let table = A::Entity::default().table_name().to_owned();
    let names: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    for chunk in rows.chunks(POSTGRES_ROWS) {
        let mut arrays: Vec<Vec<Value>> = vec![Vec::with_capacity(chunk.len()); columns.len()];
        for row in chunk {
            for (array, column) in arrays.iter_mut().zip(&columns) {
                let value = row.get(*column).into_value().ok_or_else(|| {
                    DbErr::Custom(format!(
                        "{table}: column {} not set in every row",
                        column.to_string()
                    ))
                })?;
                array.push(value);
            }
        }
        db.execute_raw(unnest(db.get_database_backend(), &table, &names, arrays)).await?;
    }
    Ok(())
}

/// `INSERT INTO table (names) SELECT … FROM UNNEST(arrays)`: a column holding a NULL goes as
/// its values (NULLs as a placeholder of their type) and an array of flags, since the driver
/// binds arrays of values without NULLs.
fn unnest(
    backend: DatabaseBackend,
    table: &str,
    names: &[String],
    arrays: Vec<Vec<Value>>,
) -> Statement {
    let mut params: Vec<Value> = Vec::new();
    let mut outputs = Vec::new();
    let mut selected = Vec::new();
    for (i, values) in arrays.into_iter().enumerate() {
        let Some(sample) = values.iter().find(|v| v.is_some()).or(values.first()) else {
            continue;
        };
        let kind = sample.array_type();
        let placeholder = sample.dummy_value();
        let nulls: Vec<Value> = values.iter().map(|v| Value::from(!v.is_some())).collect();
        let any_null = values.iter().any(|v| !v.is_some());
        let values: Vec<Value> =
            values.into_iter().map(|v| if v.is_some() { v } else { placeholder.clone() }).collect();
        params.push(Value::Array(kind, Some(Box::new(values))));
        outputs.push(format!("c{i}"));
        if any_null {
            params.push(Value::Array(sea_orm::sea_query::ArrayType::Bool, Some(Box::new(nulls))));
            outputs.push(format!("n{i}"));
            selected.push(format!("CASE WHEN n{i} THEN NULL ELSE c{i} END"));
        } else {
            selected.push(format!("c{i}"));
        }
    }
    let quoted: Vec<String> =
        names.iter().map(|n| format!("\"{}\"", n.replace('"', "\"\""))).collect();
    let placeholders: Vec<String> = (1..=params.len()).map(|k| format!("${k}")).collect();
    let sql = format!(
        "INSERT INTO \"{}\" ({}) SELECT {} FROM UNNEST({}) AS u({})",
        table.replace('"', "\"\""),
        quoted.join(", "),
        selected.join(", "),
        placeholders.join(", "),
        outputs.join(", "),
    );
    Statement::from_sql_and_values(backend, sql, params)
}

/// `items` in slices of `full`, the rest in powers of two (`full` 500, 1,234 items: 500, 500,
/// 128, 64, 32, 8, 2). A statement's text depends on how many rows or ids it carries and the
/// driver keeps every text it prepared (100 a connection): with any count allowed, a long
/// import kept about a hundred statements of up to 30,000 parameters each prepared, 230 MiB
/// on SQLite. These sizes make at most a dozen texts per statement.
pub(super) fn pieces<T>(items: &[T], full: usize) -> impl Iterator<Item = &[T]> {
    let full = full.max(1);
    let mut rest = items;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let n = if rest.len() >= full { full } else { 1 << rest.len().ilog2() };
        let (piece, after) = rest.split_at(n);
        rest = after;
        Some(piece)
    })
}

#[cfg(test)]
mod tests {
    use super::pieces;

    #[test]
    fn pieces_are_full_then_powers_of_two_and_cover_everything_once() {
        let sizes = |n: usize, full: usize| {
            let items: Vec<usize> = (0..n).collect();
            let got: Vec<&[usize]> = pieces(&items, full).collect();
            assert_eq!(got.concat(), items, "{n} in pieces of {full}");
            got.iter().map(|p| p.len()).collect::<Vec<_>>()
        };
        assert_eq!(sizes(1234, 500), [500, 500, 128, 64, 32, 8, 2]);
        assert_eq!(sizes(1000, 500), [500, 500]);
        assert_eq!(sizes(7, 500), [4, 2, 1]);
        assert_eq!(sizes(0, 500), Vec::<usize>::new());
        assert_eq!(sizes(5, 3), [3, 2]);
        // Any count makes only full pieces and powers of two below `full`.
        let mut seen = std::collections::BTreeSet::new();
        for n in 0..2000 {
            seen.extend(sizes(n, 300));
        }
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]);
    }
}
