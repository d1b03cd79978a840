//! Many new rows of one table in as few statements as the database allows: on PostgreSQL one
//! `INSERT … SELECT … FROM UNNEST($1, $2, …)` with one typed array per column (the server
//! reads arrays in binary instead of parsing thousands of `VALUES` placeholders), on SQLite
//! multi-row `INSERT … VALUES` of a fixed size, whose text repeats so the driver prepares it
//! once. The history import's player, weapon and file rows and the ratings' history use it.
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
        let mut rows = rows;
        while !rows.is_empty() {
            let rest = rows.split_off(per.min(rows.len()));
            <A::Entity as EntityTrait>::insert_many(rows).exec_without_returning(db).await?;
            rows = rest;
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
        let statement = unnest(db.get_database_backend(), &table, &names, arrays)?;
        db.execute_raw(statement).await?;
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
) -> Result<Statement, DbErr> {
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
    Ok(Statement::from_sql_and_values(backend, sql, params))
}
