package io.iotgateway.persistence;

import com.mongodb.MongoCommandException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.IndexOptions;
import java.util.Set;
import org.bson.Document;
import org.bson.conversions.Bson;

/** Creates the indexes the gateway's queries rely on, accepting one an operator already made differently. */
public final class MongoIndexes {

    /** MongoDB's IndexOptionsConflict / IndexKeySpecsConflict: the index exists under another name or options. */
    private static final Set<Integer> INDEX_EXISTS_OTHERWISE = Set.of(85, 86);

    private MongoIndexes() {}

    public static void ensure(MongoCollection<Document> collection, Bson keys, String name) {
        try {
            collection.createIndex(keys, new IndexOptions().name(name));
        } catch (MongoCommandException e) {
            // the queries are served by the operator's index either way
            if (!INDEX_EXISTS_OTHERWISE.contains(e.getErrorCode())) {
                throw e;
            }
        }
    }
}
