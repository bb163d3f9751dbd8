# demo step: the embedding type — nearest documents of one query under each distance operator.
step "the embedding type: nearest Cranfield abstracts to query 1 under each operator"
sql -c "SELECT text FROM cranfield.queries WHERE id = 1"
ops=('<=>' '<->' '<#>' '<+>')
$short && ops=('<=>')	# the short form (CI) shows one operator
for op in "${ops[@]}"; do
	echo "   operator $op"
	timed sql -c "SELECT d.id, round((d.embedding $op q.embedding)::numeric, 4) AS distance, left(d.text, 70) AS abstract
	              FROM cranfield.docs d, cranfield.queries q WHERE q.id = 1
	              ORDER BY d.embedding $op q.embedding LIMIT 3"
done
sql -c "SELECT embedding_dims(embedding) AS dims, round(embedding_norm(embedding)::numeric, 4) AS norm,
               subvector(embedding, 1, 4) AS first_4 FROM cranfield.docs WHERE id = 184"
say "The vectors are unit-length, so cosine, L2 and inner product rank the same way; L1 differs in general." \
    "The type stores pgvector's layout, so a vector column casts to embedding without copying."
