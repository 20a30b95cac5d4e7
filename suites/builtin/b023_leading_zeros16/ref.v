module TopModule (
  input      [15:0] in,
  output reg [4:0]  lz
);
  integer i;
  reg found;
  always @(*) begin
    lz = 5'd0;
    found = 1'b0;
    for (i = 15; i >= 0; i = i - 1) begin
      if (in[i]) found = 1'b1;
      if (!found) lz = lz + 5'd1;
    end
  end
endmodule
