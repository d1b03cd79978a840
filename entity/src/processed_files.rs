//! `processed_files`: every stats file name attempted, with its hash, result and content.
use sea_orm::entity::prelude::*;

/// A row of `processed_files`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "processed_files")]
pub struct Model {
    #[sea_orm(primary_key)]
    #[allow(missing_docs)]
    pub id: i32,
    /// The file's base name.
    #[sea_orm(unique, column_type = "Text")]
    pub filename: String,
    /// SHA-256 of the content, lower-case hex.
    #[sea_orm(column_type = "Text", nullable)]
    pub file_hash: Option<String>,
    /// True once the file is imported (or known to duplicate an imported one).
    pub success: bool,
    /// Why the last attempt failed.
    #[sea_orm(column_type = "Text", nullable)]
    pub error_message: Option<String>,
    /// When the last attempt finished.
    pub processed_at: DateTime,
    /// The file's bytes, kept for successful imports so rounds can be re-derived.
    #[sea_orm(column_type = "Blob", nullable)]
    pub content: Option<Vec<u8>>,
    /// For a file whose content was already imported under another name: that name.
    #[sea_orm(column_type = "Text", nullable)]
    pub duplicate_of: Option<String>,
}

/// No relations are declared; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
