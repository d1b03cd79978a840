//! sea-orm entities for the slomix database; generated shapes, no logic.
