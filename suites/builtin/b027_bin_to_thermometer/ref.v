module TopModule (
  input      [3:0] n,
  output reg [7:0] therm
);
  integer i;
  always @(*) begin
    for (i = 0; i < 8; i = i + 1)
      therm[i] = (i < n);
  end
endmodule
